/**
 * /docs "Try it out" in a real browser: Swagger UI (served by the api) pre-fills the request body from
 * the contract's examples, not values made up from the schema patterns, and a developer who follows the
 * page's description (Authorize with a token, replace the example id) gets a 201. Lives in the SDK
 * package because that is where Chromium (playwright-core) and the live-api helper are.
 */
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { Taskboard } from '../src/index.ts';
import { chromiumSkip, launchChromium } from './helpers/chromium.ts';
import { accessToken, startLiveApi } from './helpers/live-api.ts';

const contract = JSON.parse(await readFile(new URL('../../api/openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, { examples?: unknown[] }> };
};

t.test('Swagger UI pre-fills the example body and the example call succeeds', { skip: chromiumSkip() }, async (t) => {
  const api = await startLiveApi(t);
  const token = await accessToken('alice');
  const project = await new Taskboard({ baseUrl: api.url, token }).projects.create({ name: 'Docs' });

  const browser = await launchChromium();
  t.teardown(browser.close);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${api.url}/docs/static/index.html#/tasks/createTask`);
  const operation = page.locator('#operations-tasks-createTask');
  await operation.waitFor({ timeout: 20_000 });

  // What the page's description says to do: Authorize with the token.
  await page.locator('.auth-wrapper .authorize').click();
  await page.locator('.modal-ux input').first().fill(token);
  await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
  await page.locator('.modal-ux .auth-btn-wrapper .btn-done, .modal-ux .close-modal').first().click();

  await operation.locator('.try-out__btn').click();
  const body = JSON.parse(await operation.locator('textarea.body-param__text').inputValue()) as unknown;
  t.same(body, contract.components.schemas.TaskInput?.examples?.[0], 'the body is the contract example');

  const projectId = operation.locator('tr[data-param-name="projectId"] input');
  t.match(await projectId.inputValue(), /^[0-9a-f-]{36}$/, 'the id is pre-filled with an example UUID');
  // ...which does not exist: the description says to replace it with one of yours.
  await projectId.fill(project.id);
  await operation.locator('.execute').click();
  const status = operation.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 20_000 });
  t.equal((await status.innerText()).trim(), '201', 'Execute created the task');

  const page1 = await new Taskboard({ baseUrl: api.url, token }).tasks.list(project.id).firstPage();
  t.same(
    page1.items.map((task) => task.title),
    ['Write the launch announcement'],
  );
});
