import { main } from '@itsm/runtime';
import { problemService } from './service-definition';

main(problemService);
