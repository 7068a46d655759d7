import type { RouterOutputs } from '../../trpc';

export type Stage = RouterOutputs['pipeline']['list']['stages'][number];
export type StageKind = Stage['kind'];

/** Labels for the server's stage kinds; typed by the router, so a new kind fails the build until labelled. */
export const STAGE_KIND_LABELS: Record<StageKind, string> = { open: 'Open', won: 'Won', lost: 'Lost' };
export const STAGE_KINDS = Object.keys(STAGE_KIND_LABELS) as StageKind[];

export const dealsOf = (n: number) => (n === 1 ? '1 deal' : `${n} deals`);
