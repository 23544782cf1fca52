import { RedisConnection, cidrPeer, redisEndpoints } from '../../charts';

describe('redisEndpoints', () => {
  const servers = cidrPeer(['10.0.0.0/8']);
  const standalone: RedisConnection = { host: 'redis', port: 6380, endpoint: { peer: servers, port: 6380 } };

  test('a standalone server: its own endpoint only', () => {
    expect(redisEndpoints(standalone)).toEqual([{ peer: servers, port: 6380 }]);
  });

  test('a Sentinel group: the servers, then every Sentinel endpoint, in order', () => {
    const sentinels = cidrPeer(['192.168.0.0/16']);
    const r: RedisConnection = {
      ...standalone,
      host: undefined,
      sentinel: {
        members: [
          { host: 's0', port: 26379 },
          { host: 's1', port: 26380 },
        ],
        masterName: 'mymaster',
        endpoints: [
          { peer: sentinels, port: 26379 },
          { peer: sentinels, port: 26380 },
        ],
      },
    };
    expect(redisEndpoints(r)).toEqual([
      { peer: servers, port: 6380 },
      { peer: sentinels, port: 26379 },
      { peer: sentinels, port: 26380 },
    ]);
  });
});
