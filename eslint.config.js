// Lint: typescript-eslint's recommended type-aware rules, plus the habits the
// codebase relies on (no floating promises, type-only imports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-examples/', 'dist-bench/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One error model (issue #14): a Legate error is built by `legateError(code, …)`,
    // whose code table fixes its class, never by choosing a class at the throw site.
    files: ['src/**/*.ts'],
    ignores: ['src/errors/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name=/^(LegateError|VerificationError|InputError|TimeError|StoreError)$/]',
          message: "Build Legate errors with legateError(code, message, options) from errors/: the code table picks the class.",
        },
      ],
    },
  },
  {
    // Node 20 can deadlock exporting a key made by generateKeyPair* while the garbage collector
    // frees the job that made it (src/lib/generate-key.ts says how): keys are made there only.
    ignores: ['src/lib/generate-key.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['node:crypto', 'crypto'].map((name) => ({
          name,
          importNames: ['generateKeyPair', 'generateKeyPairSync'],
          message: 'Make keys with generateKeyObjects or generateKeyDer from src/lib/generate-key.ts: a key straight from generateKeyPair* can deadlock its JWK export on Node 20.',
        })),
        { name: 'jose', importNames: ['generateKeyPair'], message: 'Make keys with generateKeyObjects from src/lib/generate-key.ts (jose takes KeyObjects): a generated key can deadlock its JWK export on Node 20.' },
      ],
    },
  },
  {
    // The same for WebCrypto's generator (src/ has its own no-restricted-syntax above).
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='generateKey'][callee.object.property.name='subtle']",
          message: 'Import WebCrypto keys from DER made by src/lib/generate-key.ts (test/helpers/webcrypto-keys.ts): a generated key can deadlock its JWK export on Node 20.',
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The console's one script runs in the browser (served by the node from assets/console/).
    files: ['assets/console/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'HTMLFormElement', 'HTMLElement', 'fetch', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'HTMLTableElement', 'encodeURIComponent'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
