import { main } from '@itsm/runtime';
import { incidentService } from './definition';

main(incidentService);
