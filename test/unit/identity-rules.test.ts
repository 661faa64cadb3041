// containers/image's signedIdentity rules, with the cases of its policy_reference_match_test.go.
// Its second digest is upper-case hex, which Signet's reference grammar refuses; a second lower-case digest stands in for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { matchesDockerReference, SIGNATURE_ANNOTATION, verifyCosignSignature, type IdentityRule } from '../../main/signatures/cosign.verifier.ts';

const fullRHELRef = 'registry.access.redhat.com/rhel7/rhel:7.2.3';
const untaggedRHELRef = 'registry.access.redhat.com/rhel7/rhel';
const digestSuffix = '@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const digestSuffixOther = `@sha256:${'a'.repeat(64)}`;

type Row = [string, string, boolean];

const exactTable: Row[] = [
  ['busybox:latest', 'busybox:latest', true],
  [fullRHELRef, fullRHELRef, true],
  ['busybox' + digestSuffix, 'busybox' + digestSuffix, true],
  ['library/busybox:latest', 'busybox:latest', true],
  ['docker.io/library/busybox:latest', 'busybox:latest', true],
  ['library/busybox' + digestSuffix, 'busybox' + digestSuffix, true],
  ['busybox:latest', 'busybox:notlatest', false],
  ['busybox:latest', 'notbusybox:latest', false],
  ['busybox:latest', 'hostname/library/busybox:notlatest', false],
  ['hostname/library/busybox:latest', 'busybox:notlatest', false],
  ['busybox:latest', fullRHELRef, false],
  ['busybox' + digestSuffix, 'notbusybox' + digestSuffix, false],
  ['busybox:latest', 'busybox' + digestSuffix, false],
  ['busybox' + digestSuffix, 'busybox' + digestSuffixOther, false],
  ['busybox', 'busybox:latest', false],
  ['busybox', 'busybox' + digestSuffix, false],
  ['busybox', 'busybox', false],
  ['busybox:latest' + digestSuffix, 'busybox:latest' + digestSuffix, true],
  ['busybox:latest' + digestSuffix, 'busybox:latest' + digestSuffixOther, false],
  ['busybox:latest' + digestSuffix, 'busybox:notlatest' + digestSuffix, false],
  ['busybox:latest' + digestSuffix, 'busybox' + digestSuffix, false],
  ['busybox:latest' + digestSuffix, 'busybox:latest', false],
  ['UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES', 'busybox:latest', false],
  ['', 'UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES', false],
  ['INVALID', 'INVALID', false],
];

const repositoryTable: Row[] = [
  ['busybox:latest', 'busybox:latest', true],
  [fullRHELRef, fullRHELRef, true],
  ['busybox' + digestSuffix, 'busybox' + digestSuffix, true],
  ['library/busybox:latest', 'busybox:latest', true],
  ['docker.io/library/busybox:latest', 'busybox:latest', true],
  ['library/busybox' + digestSuffix, 'busybox' + digestSuffix, true],
  ['busybox:latest', 'busybox:notlatest', true],
  [fullRHELRef + 'tagsuffix', fullRHELRef, true],
  ['library/busybox:latest', 'busybox:notlatest', true],
  ['busybox:latest', 'library/busybox:notlatest', true],
  ['docker.io/library/busybox:notlatest', 'busybox:latest', true],
  ['busybox:notlatest', 'docker.io/library/busybox:latest', true],
  ['busybox:latest', 'busybox' + digestSuffix, true],
  ['busybox' + digestSuffix, 'busybox' + digestSuffixOther, true],
  ['busybox', 'busybox:notlatest', true],
  [fullRHELRef, untaggedRHELRef, true],
  ['busybox', 'busybox' + digestSuffix, true],
  ['library/busybox', 'busybox', true],
  ['docker.io/library/busybox', 'busybox', true],
  ['busybox:latest', 'notbusybox:latest', false],
  ['hostname/library/busybox:latest', 'busybox:notlatest', false],
  ['busybox:latest', fullRHELRef, false],
  ['busybox' + digestSuffix, 'notbusybox' + digestSuffix, false],
  ['busybox:latest' + digestSuffix, 'busybox:latest' + digestSuffix, true],
  ['busybox:latest' + digestSuffix, 'busybox:latest' + digestSuffixOther, true],
  ['busybox:latest' + digestSuffix, 'busybox:notlatest' + digestSuffix, true],
  ['busybox:latest' + digestSuffix, 'busybox' + digestSuffix, true],
  ['busybox:latest' + digestSuffix, 'busybox:latest', true],
  ['UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES', 'busybox:latest', false],
  ['', 'UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES', false],
  ['INVALID', 'INVALID', false],
];

// The asymmetric matchRepoDigestOrExact cases: [image, signed, result].
const repoDigestOrExactTable: Row[] = [
  ['busybox:latest', 'busybox:notlatest', false],
  [fullRHELRef + 'tagsuffix', fullRHELRef, false],
  ['library/busybox:latest', 'busybox:notlatest', false],
  ['busybox:latest', 'library/busybox:notlatest', false],
  ['docker.io/library/busybox:notlatest', 'busybox:latest', false],
  ['busybox:notlatest', 'docker.io/library/busybox:latest', false],
  ['busybox', 'busybox:latest', false],
  ['busybox:latest', 'busybox', false],
  ['busybox', 'busybox' + digestSuffix, false],
  ['busybox' + digestSuffix, 'busybox', false],
  [fullRHELRef, untaggedRHELRef, false],
  ['busybox', 'busybox', false],
  ['busybox:latest', 'busybox' + digestSuffix, false],
  ['busybox' + digestSuffix, 'busybox:latest', true],
  ['busybox' + digestSuffix, 'busybox' + digestSuffixOther, true],
  ['busybox:latest' + digestSuffix, 'busybox:latest', false],
  ['busybox:latest' + digestSuffix, 'busybox:notlatest', false],
  ['busybox:latest', 'busybox:latest' + digestSuffix, false],
  ['busybox:latest' + digestSuffix, 'busybox:latest' + digestSuffixOther, false],
  ['busybox:latest' + digestSuffix, 'busybox:notlatest' + digestSuffixOther, false],
];

const both = (table: Row[]) => table.flatMap(([a, b, r]): Row[] => [[a, b, r], [b, a, r]]);

test('matchExact: both references carry a tag or digest and are equal once normalized', () => {
  for (const [image, signed, result] of both(exactTable)) assert.equal(matchesDockerReference('matchExact', image, signed), result, `${image} vs. ${signed}`);
  for (const [image, signed, result] of both(exactTable)) assert.equal(matchesDockerReference({ type: 'matchExact' }, image, signed), result, `object form: ${image} vs. ${signed}`);
});

test('matchRepository: the same repository, whatever the tag or digest', () => {
  for (const [image, signed, result] of both(repositoryTable)) assert.equal(matchesDockerReference('matchRepository', image, signed), result, `${image} vs. ${signed}`);
});

test('matchRepoDigestOrExact: a tagged image needs the exact signed reference, a digest image any signature of its repository', () => {
  const rows = [...both(exactTable).filter((r) => r[2]), ...both(repositoryTable).filter((r) => !r[2]), ...repoDigestOrExactTable];
  for (const [image, signed, result] of rows) assert.equal(matchesDockerReference('matchRepoDigestOrExact', image, signed), result, `${image} vs. ${signed}`);
});

test('exactReference and exactRepository compare with the reference the rule names, not the image', () => {
  for (const [wanted, signed, result] of both(exactTable)) {
    assert.equal(matchesDockerReference({ type: 'exactReference', dockerReference: wanted }, 'unrelated/image:tag', signed), result, `${wanted} vs. ${signed}`);
  }
  for (const [wanted, signed, result] of both(repositoryTable)) {
    assert.equal(matchesDockerReference({ type: 'exactRepository', dockerRepository: wanted }, 'unrelated/image:tag', signed), result, `${wanted} vs. ${signed}`);
  }
});

test('remapIdentity rewrites a matching prefix of the image name, then applies matchRepoDigestOrExact', () => {
  const rows: [string, string, string, string, boolean][] = [
    ['does-not-match.com', 'does-not-match.rewritten', 'busybox:latest', 'busybox:latest', true],
    ['does-not-match.com', 'does-not-match.rewritten', 'busybox:latest', 'notbusybox:latest', false],
    ['mirror.example', 'public.com', 'mirror.example/busybox:1', 'public.com/busybox:1', true],
    ['mirror.example', 'public.com', 'mirror.example/busybox:1', 'public.com/busybox:not1', false],
    ['mirror.example', 'docker.io/library', 'mirror.example/busybox:latest', 'busybox:latest', true],
    ['mirror.example', 'docker.io/library', 'mirror.example/alpine:latest', 'busybox:latest', false],
    ['docker.io/library', 'original.com', 'copied:latest', 'original.com/copied:latest', true],
    ['docker.io/library', 'original.com', 'copied:latest', 'original.com/ns/copied:latest', false],
    ['busybox', 'example.com/busybox', 'busybox:latest', 'example.com/busybox:latest', false],
    ['docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest', 'busybox:latest', false],
    ['UPPERCASE', 'example.com', 'example.com/foo:latest', 'example.com/foo:latest', true],
    ['example.com', 'UPPERCASE', 'example.com/foo:latest', 'UPPERCASE/foo:latest', false],
    // The prefix covers whole components: a host, a namespace or a repository.
    ['example.com', 'vendor.example', 'example.com:5000/image:tag', 'vendor.example:5000/image:tag', false],
    ['example.com/ns', 'vendor.example/ns', 'example.com/ns2/image:tag', 'vendor.example/ns2/image:tag', false],
    ['example.com/ns', 'vendor.example/ns', 'example.com/ns2/image:tag', 'example.com/ns2/image:tag', true],
    ['mirror.example', 'vendor.example', 'mirror.example/image' + digestSuffix, 'vendor.example/image:any', true],
    ['mirror.example', 'vendor.example', 'mirror.example/image:tag' + digestSuffix, 'vendor.example/image:tag' + digestSuffix, true],
    // A rewrite that is not a normalized reference never matches.
    ['mirror.example/ns/image', 'vendor.example:5000', 'mirror.example/ns/image:tag', 'docker.io/library/vendor.example:5000', false],
    ['mirror.example/ns/image', 'notlocalhost', 'mirror.example/ns/image:tag', 'notlocalhost:tag', false],
  ];
  for (const [prefix, signedPrefix, image, signed, result] of rows) {
    assert.equal(matchesDockerReference({ type: 'remapIdentity', prefix, signedPrefix }, image, signed), result, `${prefix}→${signedPrefix}: ${image} vs. ${signed}`);
  }
});

test('a cosign signature is checked with the rule it is given, and says which rule refused it', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const manifestDigest = `sha256:${createHash('sha256').update('{}').digest('hex')}`;
  const payloadFor = (reference: string) => Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': manifestDigest }, type: 'cosign container image signature' }, optional: null }));
  const check = (signedReference: string, reference: string, identityRule: IdentityRule) => {
    const payload = payloadFor(signedReference);
    const annotations = { [SIGNATURE_ANNOTATION]: sign('sha256', payload, pair.privateKey).toString('base64') };
    return verifyCosignSignature({ manifestDigest, reference, identityRule, payload, annotations, trust: { keys: [pair.publicKey], rekorKeys: [], roots: [], intermediates: [] } });
  };
  assert.equal(check('registry.example.com/team/app', 'registry.example.com/team/app:v1', 'matchRepository').verdict, 'verified');
  const nameOnly = check('registry.example.com/team/app', 'registry.example.com/team/app:v1', 'matchExact');
  assert.equal(nameOnly.verdict, 'failed');
  assert.match(nameOnly.reason, /without a tag or digest/);
  assert.equal(check('registry.example.com/team/app:v1', 'registry.example.com/team/app:v1', { type: 'matchRepoDigestOrExact' }).verdict, 'verified');
  assert.equal(check('registry.example.com/team/app:v1', 'registry.example.com/team/app:v2', 'matchRepoDigestOrExact').verdict, 'failed');
  assert.equal(check('vendor.example/team/app:v1', 'mirror.example/team/app:v1', { type: 'remapIdentity', prefix: 'mirror.example', signedPrefix: 'vendor.example' }).verdict, 'verified');
  const exact = check('registry.example.com/team/app:v1', 'anything.example/else:v9', { type: 'exactReference', dockerReference: 'registry.example.com/team/app:v2' });
  assert.match(exact.reason, /not exactly registry\.example\.com\/team\/app:v2 \(exactReference/);
  assert.equal(check('registry.example.com/team/app:v1', 'anything.example/else:v9', { type: 'exactRepository', dockerRepository: 'registry.example.com/team/app' }).verdict, 'verified');
});
