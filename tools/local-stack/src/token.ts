/** `npm run -s token`: prints an access token for the demo user of the running local stack. */
import { readLocalInfo, LOCAL_FILE } from './local-file.ts';
import { signIn } from './user-pool.ts';

const info = await readLocalInfo();
if (info === undefined) {
  console.error(`No ${LOCAL_FILE}: start the local stack first with \`npm start\`.`);
  process.exit(1);
}
const kind = process.argv.includes('--id') ? 'idToken' : 'accessToken';
const tokens = await signIn(info.cognito.endpoint, info.cognito.clientId, info.demoUser.email, info.demoUser.password);
console.log(tokens[kind]);
