/**
 * The first setup file: watches module loading before any test file loads aws-cdk-lib or cdktf,
 * so that the tokens their modules register on load are kept for the whole run (test/release-apps.ts).
 */
import { keepModuleTokens } from './release-apps';

keepModuleTokens();
