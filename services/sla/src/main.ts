import { main } from '@itsm/runtime';
import { slaService } from './definition';

main(slaService);
