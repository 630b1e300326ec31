import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../src/index.js';
import { startServer } from './server.js';

test('smoke', async () => {
  const server = await startServer();
  const client = await Client.connect(server.addr);
  try {
    console.log(await client.hello());
    console.log(await client.serverInfo());
    const c = await client.createCoupon({ code: 'SAVE20', discount_type: 'PERCENTAGE', discount_value: 2000n, currency: 'USD', max_discount_amount: 5000n });
    console.log(c.spec.code, c.id);
    const r = await client.redeem({ code: 'SAVE20', order_id: 'o1', order: { customer_id: 'c1', amount: 15000n, currency: 'USD' } });
    console.log(r.redemption.discount_amount, r.redemption.final_amount);
    assert.equal(r.redemption.discount_amount, 3000n);
    console.log(await client.clusterStatus());
  } finally {
    client.close();
    await server.stop();
  }
});
