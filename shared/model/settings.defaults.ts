import type { Settings } from './settings.model.ts';

/**
 * What a data folder without a settings file runs with: the same values the settings schema fills in for
 * the sections and fields it defaults, written out so that starting without a file loads no validator.
 */
export const DEFAULT_SETTINGS: Settings = {
  version: 1,
  pkcs11Modules: [],
  registries: [],
  toolDirs: [],
  layouts: [],
  trust: { keyFiles: [], caFiles: [], rekorKeyFiles: [], tsaFiles: [], notationStores: [], crlFiles: [], trustedRootFile: null, publicGood: true, identity: null, issuer: null, requireTlog: false },
  signing: { tsaUrl: null, rules: [] },
  cleartextCredentialHosts: [],
};
