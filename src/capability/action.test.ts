import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { IdGenerator } from '../cxp/ids.js';
import { decodeMessage, encodeMessage, MessageFactory } from '../cxp/message.js';
import { answerHandshake, HANDSHAKE_ACTION } from './action.js';
import { createDefaultCatalogs } from './catalogs.js';

const clock = new ManualClock(Date.UTC(2026, 10, 21));
const messages = new MessageFactory({
  clock,
  ids: new IdGenerator(clock),
  source: { id: 'gw', kind: 'gateway' },
});
const provider = {
  identity: { interface: 'printing/label', provider: 'cxp-edge/zebra-1', version: '0.1.0' },
  matrix: {
    capabilities: [
      { name: 'job_submission' },
      { name: 'status_monitoring' },
      { name: 'zpl_language' },
      { name: 'media_validation', metadata: { width_mm: 100, height_mm: 150 } },
    ],
  },
};
const options = { registry: createDefaultCatalogs(), supportedVersions: [1] };

describe('cap.handshake over CXP', () => {
  it('answers a handshake request with an ACTION_RESULT carrying the HandshakeResponse', () => {
    const request = messages.create('ACTION_REQUEST', {
      action: HANDSHAKE_ACTION,
      params: {
        client_identity: { interface: 'printing/manager', provider: 'mes', version: '2.3' },
        required_capabilities: ['job_submission'],
        optional_capabilities: ['consumables_tracking'],
      },
    });
    const result = answerHandshake(messages, request, provider, options);
    expect(result).toMatchObject({
      correlation_id: request.id,
      status: 'succeeded',
      result: { status: 'degraded', missing_optional_capabilities: ['consumables_tracking'] },
    });
    expect(decodeMessage(encodeMessage(result, 'msgpack'), { encoding: 'msgpack' }).ok).toBe(true);
  });

  it('rejects params that are not a handshake request', () => {
    const request = messages.create('ACTION_REQUEST', {
      action: HANDSHAKE_ACTION,
      params: { client_identity: 7 },
    });
    const result = answerHandshake(messages, request, provider, options);
    expect(result).toMatchObject({ status: 'rejected', error: { code: 'INVALID_PARAMS' } });
    const { id: _id, params: _p, ...bare } = request;
    expect(answerHandshake(messages, bare, provider, options).correlation_id).toBe('*');
  });
});
