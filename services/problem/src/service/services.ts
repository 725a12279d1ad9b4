import { IncidentIntake } from './detection.service';
import { ImportService } from './import.service';
import { KnownErrorService } from './known-error.service';
import { LinkService } from './link.service';
import { ProblemService } from './problem.service';
import type { ServiceDeps } from './write-path';

/** The service layer, wired once per running service. */
export interface Services {
  deps: ServiceDeps;
  problems: ProblemService;
  links: LinkService;
  knownErrors: KnownErrorService;
  imports: ImportService;
  intake: IncidentIntake;
}

export function createServices(deps: ServiceDeps): Services {
  const problems = new ProblemService(deps);
  const links = new LinkService(deps);
  return {
    deps,
    problems,
    links,
    knownErrors: new KnownErrorService(deps),
    imports: new ImportService(deps),
    intake: new IncidentIntake(deps, problems, links),
  };
}
