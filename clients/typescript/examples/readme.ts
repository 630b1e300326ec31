// The README's example, compiled with the rest so that it stays correct
// (imported from the sources here, from 'couponsd-client' in a project).
// Run: node dist/examples/readme.js HOST:PORT [HOST:PORT ...]
import { Client, ExhaustedError, formatMoney, parseMoney } from '../src/index.js';

const client = await Client.connect(process.argv.slice(2), { token: process.env.COUPONSD_TOKEN });
const order = { customer_id: 'customer-123', amount: parseMoney('150.00', 'USD'), currency: 'USD' };
try {
  const reply = await client.redeem({ code: 'SUMMER20', order_id: 'order-456', order }, { signal: AbortSignal.timeout(2000) });
  console.log('discount', formatMoney(reply.redemption.discount_amount, 'USD')); // "30.00"
} catch (e) {
  if (e instanceof ExhaustedError) console.log('no uses left:', e.serverMessage);
  else throw e;
}
client.close();
