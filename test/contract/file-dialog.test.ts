import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeFileChooser } from '../../main/electron/file.dialog.ts';

test("the desktop app's file chooser answers the path the person picked in main's dialog, or null when cancelled", async () => {
  const asked: unknown[] = [];
  const answers = [{ canceled: false, filePaths: ['/home/me/team.pub'] }, { canceled: true, filePaths: [] }];
  const dialog = {
    showOpenDialog: async (...args: unknown[]) => {
      asked.push(args.at(-1));
      return answers.shift() ?? { canceled: true, filePaths: [] };
    },
  };
  const choose = nativeFileChooser(dialog, () => null);
  assert.equal(await choose('Choose Public-key files'), '/home/me/team.pub');
  assert.equal(await choose('Choose Public-key files'), null);
  assert.deepEqual(asked[0], { title: 'Choose Public-key files', properties: ['openFile'] });
});
