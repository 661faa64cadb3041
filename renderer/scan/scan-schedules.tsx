import type { ScanSchedule } from '../../shared/model/scan.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { MAX_EVERY_MINUTES, MIN_EVERY_MINUTES, useScan } from './scan.store.ts';

// A schedule in words: what it scans, how, and how often.
function describe(schedule: ScanSchedule): string {
  const { source, policyId, tagPattern, incremental } = schedule.scan;
  const where =
    source.kind === 'layout' ? `layout ${source.name}` : source.repositories === null ? `the whole catalog of ${source.name}` : `${source.repositories.join(', ')} on ${source.name}`;
  const every = schedule.everyMinutes % 60 === 0 ? `${schedule.everyMinutes / 60} h` : `${schedule.everyMinutes} min`;
  return `${where}, tags ${tagPattern}, ${policyId ? `policy ${policyId}` : 'no policy'}, ${incremental ? 'incremental' : 'full re-scan'}, every ${every}`;
}

// Re-scans that run by themselves while the app is open; a drop in coverage or a new signer raises an alert.
export function ScanSchedules() {
  const { schedules, schedulesError, schedulesSaving, everyMinutes, setEveryMinutes, addSchedule, removeSchedule, loadSchedules } = useScan();
  return (
    <section className="card scan-schedules" aria-labelledby="scan-schedules-title">
      <h2 id="scan-schedules-title">Scheduled re-scans</h2>
      <p className="muted small">They run while Signet is open. When coverage drops or an image’s signer changes, a banner says so at the top of this screen.</p>
      {schedules && schedules.length === 0 && <p className="muted">No scheduled re-scans.</p>}
      {schedules && schedules.length > 0 && (
        <ul className="plain-list schedule-list">
          {schedules.map((schedule) => (
            <li key={schedule.id} data-testid="scan-schedule" data-id={schedule.id}>
              <span>{describe(schedule)}</span>
              <button type="button" className="secondary" disabled={schedulesSaving} aria-label={`Remove the schedule ${schedule.id}`} onClick={() => void removeSchedule(schedule.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void addSchedule();
        }}
      >
        <label htmlFor="scan-every">Minutes between re-runs of the scan chosen above</label>
        <input id="scan-every" type="number" inputMode="numeric" min={MIN_EVERY_MINUTES} max={MAX_EVERY_MINUTES} step={1} value={everyMinutes} onChange={(event) => setEveryMinutes(event.target.value)} className="minutes" />
        <button type="submit" disabled={schedulesSaving}>
          {schedulesSaving ? 'Saving…' : 'Add schedule'}
        </button>
      </form>
      {schedulesError && <ErrorBox error={schedulesError} onRetry={schedulesError.code === 'BadInput' ? undefined : () => void loadSchedules()} />}
    </section>
  );
}
