import { useEffect, useState } from 'react';

function currentLocation() {
  return { path: window.location.pathname, search: window.location.search };
}

/** A small history-API router: the console has a handful of flat pages. */
export function useLocation(): { path: string; search: string } {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return location;
}

export function usePath(): string {
  return useLocation().path;
}

/** Goes to another console page; `replace` swaps the current history entry (e.g. an old slug's URL). */
export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function Link(props: { to: string; children: React.ReactNode; className?: string; 'aria-current'?: 'page' }) {
  return (
    <a
      href={props.to}
      className={props.className}
      aria-current={props['aria-current']}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
