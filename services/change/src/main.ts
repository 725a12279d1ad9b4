import { main } from '@itsm/runtime';
import { changeService } from './service-definition';

main(changeService);
