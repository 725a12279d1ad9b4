import { actor, type Actor, type JwtSettings } from './http';

/** Who plays the story. User ids are stable, so that the groups set up once serve every later run. */
export interface Cast {
  admin: Actor;
  requesters: [Actor, Actor, Actor];
  deskAgent: Actor;
  networkEngineer: Actor;
  problemManager: Actor;
  changeManager: Actor;
  cab: Actor[];
  releaseManager: Actor;
  releaseLead: Actor;
  cdSystem: Actor;
  slaReader: Actor;
}

export const ASSIGNMENT_GROUP = { id: 'network-operations', name: 'Network Operations' };
export const CAB_GROUP = 'Network CAB';
export const CHANGE_MANAGERS_GROUP = 'Change managers';

export async function castOf(jwt: JwtSettings): Promise<Cast> {
  return {
    admin: await actor(jwt, 'demo.admin', 'Platform Admin', ['admin']),
    requesters: [
      await actor(jwt, 'demo.amira.haddad', 'Amira Haddad', ['requester']),
      await actor(jwt, 'demo.ben.okafor', 'Ben Okafor', ['requester']),
      await actor(jwt, 'demo.chen.wei', 'Chen Wei', ['requester']),
    ],
    deskAgent: await actor(jwt, 'demo.noah.fischer', 'Noah Fischer', ['agent'], ['service-desk']),
    networkEngineer: await actor(jwt, 'demo.priya.nair', 'Priya Nair', ['agent'], [ASSIGNMENT_GROUP.id]),
    problemManager: await actor(jwt, 'demo.lena.vogel', 'Lena Vogel', ['problem_manager']),
    changeManager: await actor(jwt, 'demo.omar.said', 'Omar Said', ['change_manager']),
    cab: [
      await actor(jwt, 'demo.sofia.rossi', 'Sofia Rossi', ['cab_member'], [CAB_GROUP]),
      await actor(jwt, 'demo.james.park', 'James Park', ['cab_member'], [CAB_GROUP]),
      await actor(jwt, 'demo.yuki.tanaka', 'Yuki Tanaka', ['cab_member'], [CAB_GROUP]),
    ],
    releaseManager: await actor(jwt, 'demo.tom.becker', 'Tom Becker', ['release_manager']),
    releaseLead: await actor(jwt, 'demo.ines.duarte', 'Ines Duarte', ['release_manager']),
    cdSystem: await actor(jwt, 'demo.cd-system', 'CD system', ['release_manager']),
    slaReader: await actor(jwt, 'demo.ada.moreau', 'Ada Moreau', ['sla_manager']),
  };
}
