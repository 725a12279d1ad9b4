import { main } from '@itsm/runtime';
import { releaseService } from './service-definition';

main(releaseService);
