/** Ends the session, then loads `returnTo` afresh (the sign-in page shows there when signed out). */
export async function signOut(returnTo = '/'): Promise<{ error: string } | undefined> {
  const response = await fetch('/auth/sign-out', { method: 'POST', headers: { Accept: 'application/json' } });
  if (!response.ok) return { error: 'Sign-out failed. Please try again.' };
  window.location.assign(returnTo);
}
