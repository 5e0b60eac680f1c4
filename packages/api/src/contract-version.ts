/**
 * The contract's version, published as the OpenAPI document's `info.version`: the version of the
 * @taskboard/sdk release that ships this contract, so a release moves both. Written by the SDK's
 * release script (packages/sdk/scripts/release.ts); packages/sdk/test/release.test.ts fails when it
 * and packages/sdk/package.json disagree.
 */
export const CONTRACT_VERSION = '1.0.0';
