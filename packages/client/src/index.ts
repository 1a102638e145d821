export { createTokenwardenClient, toTokenwardenError, type CallOptions, type TokenwardenClient, type TokenwardenClientOptions } from './client.js';
export { CSV_COLUMNS, csvField, csvHeader, csvRow, fieldText } from './csv.js';
export { TokenwardenError, type TokenwardenErrorInit } from './errors.js';
export { followPageTokens, walkPages, walkTokens, type ListPage } from './pagination.js';
export { restGetToken, restListTokens, restListUrl, restRequest, restTokenUrl, type RestOptions } from './rest.js';
export { retryPolicy, type RetryOptions, type RetryPolicy } from './retry.js';
export { walkRevocation, type RevocationWalkOptions, type RevokeByFilter } from './revocation.js';
