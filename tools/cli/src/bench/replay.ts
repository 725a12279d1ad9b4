/**
 * Replay rate: the dataset imported into a fresh Incident service (its own
 * process, scratch database and topic prefix; API and outbox relay), through
 * the same replay function as `itsm replay`.
 */
import { replay, type Progress } from '../replay/run';
import { withFreshIncidentService } from './fresh-service';

export interface ReplayRate {
  incidents: number;
  events: number;
  seconds: number;
  perSecond: number;
}

export async function replayRate(o: { csv: string; concurrency: number; progress?: Progress }): Promise<ReplayRate> {
  return withFreshIncidentService('replay', async (url) => {
    const r = await replay({ input: { path: o.csv }, incidentUrl: url, slaUrl: null, concurrency: o.concurrency, progress: o.progress });
    return { incidents: r.imported, events: r.eventsImported, seconds: r.importMs / 1000, perSecond: r.rate };
  });
}
