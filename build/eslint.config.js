import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import floors from './eslint-floors.js';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeAdapters = {
  pkcs11js: 'main/platform/pkcs11.adapter.ts',
  '@napi-rs/keyring': 'main/platform/keychain.adapter.ts',
};
const onlyInAdapter = Object.entries(nativeAdapters).map(([name, file]) => ({
  name,
  message: `${name} is imported only by ${file}; depend on its interface instead.`,
}));
const noElectron = { name: 'electron', message: 'Only main/electron/ may import electron; the core is plain Node.' };
const intoRenderer = { group: ['**/renderer/**'], message: 'main and shared never import the renderer.' };
const intoMain = { group: ['**/main/**'], message: 'The renderer reaches main only through the typed client.' };

// Import boundaries: shared is pure, the renderer has no Node, the core has no Electron, native packages have one adapter each,
// and inside main/ and renderer/ no file imports from a higher floor, nor one renderer feature from another (build/eslint-floors.js, ARCHITECTURE.md).
export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.tools/**', 'dist/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,cts,mts}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins.map((name) => ({ name, message: 'shared/ runs in every world: no Node.' })), noElectron, { name: 'react', message: 'shared/ has no UI.' }, ...onlyInAdapter],
          patterns: [intoRenderer, intoMain, { group: ['react-dom', 'react-dom/*', 'zustand', 'ws'], message: 'shared/ depends on zod only.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins.map((name) => ({ name, message: 'The renderer is a browser page: no Node.' })), noElectron, ...onlyInAdapter, { name: 'ws', message: 'The renderer uses the browser WebSocket.' }],
          patterns: [intoMain],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**', ...Object.values(nativeAdapters)],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...onlyInAdapter], patterns: [intoRenderer] }] },
  },
  {
    files: ['main/**/*.ts'],
    plugins: { floors },
    rules: { 'floors/no-upward-imports': 'error' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { floors },
    rules: { 'floors/no-upward-imports': 'error' },
  },
  {
    files: ['main/electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: onlyInAdapter, patterns: [intoRenderer] }] },
  },
  {
    files: Object.values(nativeAdapters),
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [intoRenderer] }] },
  },
);
