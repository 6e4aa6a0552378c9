import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from '@platformatic/kafka';
import { isPlatformaticTransient, javaCompatiblePartitioner } from './platformatic-producer.js';

describe('the platformatic producer', () => {
  it('puts every key on the partition kafkajs puts it on, for any partition count', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const ours = javaCompatiblePartitioner();
    const partitionMetadata = (n: number) => Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (const n of [1, 3, 7, 12]) {
      for (let i = 0; i < 500; i++) {
        const key = i % 3 === 0 ? `model-${i}` : `${i * 7919}-ü-${'x'.repeat(i % 17)}`;
        const want = kafkajs({ topic: 't', partitionMetadata: partitionMetadata(n), message: { key, value: 'v' } });
        // The client takes the partitioner's answer modulo the partition count.
        expect(ours({}, Buffer.from(key)) % n, `key ${key} on ${n} partitions`).toBe(want);
      }
    }
  });

  it('spreads keyless messages over the partitions instead of sending them all to one', () => {
    const p = javaCompatiblePartitioner();
    const seen = new Set(Array.from({ length: 6 }, () => p({}, undefined) % 3));
    expect(seen).toEqual(new Set([0, 1, 2]));
  });

  it('counts network faults and retriable protocol errors as transient, and a refused request as not', () => {
    expect(isPlatformaticTransient(new NetworkError('Connection to 127.0.0.1:9 failed.'))).toBe(true);
    expect(isPlatformaticTransient(new TimeoutError('Request timed out.'))).toBe(true);
    expect(isPlatformaticTransient(new MultipleErrors('Cannot connect to any broker.', [new NetworkError('refused')]))).toBe(true);
    expect(isPlatformaticTransient(new ProtocolError('NOT_LEADER_OR_FOLLOWER'))).toBe(true);
    expect(isPlatformaticTransient(new ProtocolError('MESSAGE_TOO_LARGE'))).toBe(false);
    expect(isPlatformaticTransient(new UserError('Idempotent producer requires acks to be ALL (-1).'))).toBe(false);
    expect(isPlatformaticTransient(new Error('plain'))).toBe(false);
  });
});
