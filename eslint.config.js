// Lint rules that catch what review keeps catching: floating promises, import cycles and
// imports that run against the layering in ARCHITECTURE.md, unused code.
import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Our top-level folders that hold code. */
const FOLDERS = [
  './activities',
  './api',
  './app',
  './bench',
  './cli',
  './config',
  './core',
  './email',
  './infra',
  './observability',
  './privacy',
  './reports',
  './worker',
  './workflows',
];
/** Every folder but `target` and the ones it may import. */
const allBut = (target, ...allowed) => FOLDERS.filter((f) => f !== target && !allowed.includes(f));

/** Which top-level folders may import which (ARCHITECTURE.md, "Who imports whom"). */
const layers = [
  // The pure domain imports nothing of ours outside itself.
  { target: './core', from: allBut('./core') },
  { target: './email', from: allBut('./email', './config', './core') },
  { target: './config', from: allBut('./config', './core') },
  { target: './infra', from: allBut('./infra', './config', './core', './email') },
  // Metrics, logs, health: used by activities/, api/, reports/, worker/, app/ and cli/; imports no folder of ours.
  { target: './observability', from: allBut('./observability') },
  // Activities may use the erased-address hash (the send's suppression check), nothing else of privacy/.
  { target: './activities', from: ['./api', './app', './bench', './cli', './reports', './worker', './workflows'] },
  { target: './activities', from: './privacy', except: ['./address-hash.ts'] },
  // privacy/ (erasure, export): uses infra/, core/, config/ and the journey client; used by api/ and cli/.
  { target: './privacy', from: ['./activities', './api', './app', './bench', './cli', './email', './reports', './worker'] },
  { target: './privacy', from: './workflows', except: ['./journey/client.ts', './journey/types.ts'] },
  { target: './reports', from: ['./activities', './api', './app', './bench', './cli', './privacy', './worker', './workflows'] },
  {
    target: './workflows',
    from: ['./api', './app', './bench', './cli', './email', './infra', './observability', './privacy', './reports', './worker'],
  },
  { target: './worker', from: ['./api', './app', './bench', './cli', './privacy', './reports'] },
  { target: './api', from: ['./app', './bench', './cli', './worker'] },
  { target: './app', from: ['./bench', './cli'] },
  { target: './cli', from: ['./api', './bench'] },
];

export default tseslint.config(
  { ignores: ['generated/**', 'node_modules/**', 'test-results/**', '.nurture/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.mjs'] })],
      // Without these the plugin cannot parse the files an import leads to, and sees no cycles.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layers }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process'],
              message: 'workflow code must not use Node APIs (Temporal sandbox)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // CommonJS modules Temporal require()s by path (infra/failure-converter.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
