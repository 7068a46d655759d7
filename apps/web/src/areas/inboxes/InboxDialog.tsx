import { useState } from 'react';
import { type RouterOutputs, trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField, Field } from '../../ui/Field';

export type Inbox = RouterOutputs['inboxes']['list']['inboxes'][number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEKDAY_LABELS: Record<(typeof WEEKDAYS)[number], string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const RULES = ['round_robin', 'load_balanced', 'manual'] as const;
export const RULE_LABELS: Record<(typeof RULES)[number], string> = { round_robin: 'Round-robin', load_balanced: 'Load-balanced (fewest open, with a cap)', manual: 'Manual' };

type Day = { open: boolean; from: string; to: string };
const minutesOrNull = (value: string) => (value.trim() === '' ? null : Number(value));

/** Create or change an inbox: its channels, agents, assignment rule, business hours, SLA and CSAT. */
export function InboxDialog(props: { workspaceId: string; timeZone: string; inbox: Inbox | null; onClose: () => void; onSaved: () => void }) {
  const { inbox } = props;
  const channels = trpc.channels.list.useQuery({ workspaceId: props.workspaceId });
  const team = trpc.team.list.useQuery({ workspaceId: props.workspaceId, pageSize: 100 });
  const candidates = [...(team.data?.members ?? []), ...(team.data?.reachingIn ?? [])].filter((p) => p.effectiveRole !== 'viewer');
  const [name, setName] = useState(inbox?.name ?? '');
  const [emailAddress, setEmailAddress] = useState(inbox?.emailAddress ?? '');
  const [channelIds, setChannelIds] = useState<string[]>(inbox?.channelIds ?? []);
  const [agentIds, setAgentIds] = useState<string[]>(inbox?.agents.map((a) => a.userId) ?? []);
  const [assignment, setAssignment] = useState<(typeof RULES)[number]>(inbox?.assignment ?? 'round_robin');
  const [cap, setCap] = useState(inbox?.agentCap?.toString() ?? '');
  const [hoursOn, setHoursOn] = useState(Boolean(inbox?.businessHours));
  const [days, setDays] = useState<Record<string, Day>>(() =>
    Object.fromEntries(WEEKDAYS.map((d) => {
      const span = inbox?.businessHours?.[d];
      return [d, span ? { open: true, from: span.open, to: span.close } : { open: !inbox?.businessHours && d !== 'sat' && d !== 'sun', from: '09:00', to: '17:00' }];
    })),
  );
  const [outOfOffice, setOutOfOffice] = useState(inbox?.outOfOfficeMessage ?? '');
  const [sla, setSla] = useState({
    first: inbox?.sla.firstResponseMinutes?.toString() ?? '',
    next: inbox?.sla.nextResponseMinutes?.toString() ?? '',
    resolution: inbox?.sla.resolutionMinutes?.toString() ?? '',
    businessHoursOnly: inbox?.sla.businessHoursOnly ?? false,
  });
  const [csat, setCsat] = useState({ enabled: inbox?.csat.enabled ?? false, question: inbox?.csat.question ?? 'How would you rate our reply?' });
  const onSuccess = () => {
    props.onSaved();
    props.onClose();
  };
  const create = trpc.inboxes.create.useMutation({ onSuccess });
  const update = trpc.inboxes.update.useMutation({ onSuccess });
  const mutation = inbox ? update : create;
  const toggle = (list: string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));

  function submit() {
    const settings = {
      name,
      emailAddress: emailAddress.trim() || null,
      channelIds,
      agentUserIds: agentIds,
      assignment,
      agentCap: assignment === 'load_balanced' ? minutesOrNull(cap) : null,
      businessHours: hoursOn ? Object.fromEntries(WEEKDAYS.map((d) => [d, days[d]!.open ? { open: days[d]!.from, close: days[d]!.to } : null])) : null,
      outOfOfficeMessage: outOfOffice.trim() || null,
      sla: { firstResponseMinutes: minutesOrNull(sla.first), nextResponseMinutes: minutesOrNull(sla.next), resolutionMinutes: minutesOrNull(sla.resolution), businessHoursOnly: sla.businessHoursOnly },
      csat: { enabled: csat.enabled, question: csat.question.trim() || null },
    };
    if (inbox) update.mutate({ workspaceId: props.workspaceId, inboxId: inbox.id, ...settings });
    else create.mutate({ workspaceId: props.workspaceId, ...settings });
  }

  return (
    <Dialog title={inbox ? `Edit ${inbox.name}` : 'New inbox'} onClose={props.onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Field label="Name">{(c) => <input {...c} required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="Email address" hint="Optional: the address this inbox answers as.">
          {(c) => <input {...c} type="email" value={emailAddress} onChange={(e) => setEmailAddress(e.target.value)} />}
        </Field>
        <fieldset>
          <legend>Channels that feed it</legend>
          {channels.data?.channels.length === 0 && <p className="hint">This workspace has no channels yet.</p>}
          {channels.data?.channels.map((ch) => (
            <label key={ch.id} className="checkbox">
              <input type="checkbox" checked={channelIds.includes(ch.id)} onChange={(e) => setChannelIds(toggle(channelIds, ch.id, e.target.checked))} /> {ch.name} ({ch.address})
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Agents</legend>
          {candidates.map((p) => (
            <label key={p.userId} className="checkbox">
              <input type="checkbox" checked={agentIds.includes(p.userId)} onChange={(e) => setAgentIds(toggle(agentIds, p.userId, e.target.checked))} /> {p.name} ({p.email})
            </label>
          ))}
        </fieldset>
        <ChoiceField label="Auto-assignment" value={assignment} choices={RULES} labels={RULE_LABELS} onChange={setAssignment} />
        {assignment === 'load_balanced' && (
          <Field label="Most open conversations per agent" hint="Empty: no cap. At the cap, new conversations wait unassigned.">
            {(c) => <input {...c} type="number" min={1} value={cap} onChange={(e) => setCap(e.target.value)} />}
          </Field>
        )}
        <fieldset>
          <legend>Business hours ({props.timeZone})</legend>
          <label className="checkbox">
            <input type="checkbox" checked={hoursOn} onChange={(e) => setHoursOn(e.target.checked)} /> Keep business hours (off: always open)
          </label>
          {hoursOn &&
            WEEKDAYS.map((d) => (
              <div key={d} className="business-day">
                <label className="checkbox">
                  <input type="checkbox" checked={days[d]!.open} onChange={(e) => setDays({ ...days, [d]: { ...days[d]!, open: e.target.checked } })} /> {WEEKDAY_LABELS[d]}
                </label>
                {days[d]!.open && (
                  <>
                    <input type="time" aria-label={`${WEEKDAY_LABELS[d]} opens`} value={days[d]!.from} onChange={(e) => setDays({ ...days, [d]: { ...days[d]!, from: e.target.value } })} />
                    <span> to </span>
                    <input type="time" aria-label={`${WEEKDAY_LABELS[d]} closes`} value={days[d]!.to} onChange={(e) => setDays({ ...days, [d]: { ...days[d]!, to: e.target.value } })} />
                  </>
                )}
              </div>
            ))}
          <Field label="Out-of-office reply" hint="Sent once per conversation to a message that arrives outside business hours.">
            {(c) => <textarea {...c} maxLength={1000} rows={3} value={outOfOffice} onChange={(e) => setOutOfOffice(e.target.value)} />}
          </Field>
        </fieldset>
        <fieldset>
          <legend>SLA policy (minutes; empty: no target)</legend>
          <Field label="First response">{(c) => <input {...c} type="number" min={1} value={sla.first} onChange={(e) => setSla({ ...sla, first: e.target.value })} />}</Field>
          <Field label="Next response">{(c) => <input {...c} type="number" min={1} value={sla.next} onChange={(e) => setSla({ ...sla, next: e.target.value })} />}</Field>
          <Field label="Resolution">{(c) => <input {...c} type="number" min={1} value={sla.resolution} onChange={(e) => setSla({ ...sla, resolution: e.target.value })} />}</Field>
          <label className="checkbox">
            <input type="checkbox" checked={sla.businessHoursOnly} onChange={(e) => setSla({ ...sla, businessHoursOnly: e.target.checked })} /> Count business hours only
          </label>
        </fieldset>
        <fieldset>
          <legend>CSAT survey</legend>
          <label className="checkbox">
            <input type="checkbox" checked={csat.enabled} onChange={(e) => setCsat({ ...csat, enabled: e.target.checked })} /> Ask contacts to rate the conversation
          </label>
          {csat.enabled && (
            <Field label="Question" hint="At most 200 characters.">
              {(c) => <input {...c} maxLength={200} value={csat.question} onChange={(e) => setCsat({ ...csat, question: e.target.value })} />}
            </Field>
          )}
        </fieldset>
        <DialogActions mutation={mutation} submitLabel={inbox ? 'Save' : 'Create inbox'} pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
