import { describe, expect, it } from '@jest/globals';
import { createTokenManagerMock } from '../../lib/testing/index.js';

describe('TokenManagerMock.renewRejected', () => {
  it('drops the rejected scripted token and hands out the next one, as the real manager does after a 401', async () => {
    const tokens = createTokenManagerMock({ tokens: ['expired-token', 'fresh-token'] });
    const rejected = await tokens.getAccessToken();
    await expect(tokens.renewRejected(rejected)).resolves.toBe('fresh-token');
    expect(tokens.invalidatedTokens).toEqual(['expired-token']);
    await expect(tokens.renewRejected('expired-token')).resolves.toBe('fresh-token');
  });
});
