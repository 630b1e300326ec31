// Every method of the client once against the real couponsd, beyond the
// conformance scenario: several codes on one order, partial refunds, lists,
// events, webhooks, fraud, analytics, assigned codes, distribution, backup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusyError, Client, eventTypeBits, InvalidStateError, NotFoundError, parseMoney } from '../src/index.js';
import { startServer, withLogs, type Server } from './server.js';

const order = (customer: string, amount: string) => ({ customer_id: customer, amount: parseMoney(amount, 'USD'), currency: 'USD' });

describe('every method against couponsd', () => {
  let server: Server;
  let client: Client;

  before(async () => {
    server = await startServer();
    client = await Client.connect(server.addr);
    for (const [code, value] of [['TEN', 1000n], ['FIVE', 500n]] as const) {
      await client.createCoupon({ code, discount_type: 'FIXED', discount_value: value, currency: 'USD', is_public: true, security: { velocity_checks: false } });
    }
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  test('coupons: list, update with a revision, delete', () =>
    withLogs([server], async () => {
      const page = await client.listCoupons(0n, 10);
      assert.deepEqual(page.coupons.map((c) => c.spec.code).sort(), ['FIVE', 'TEN']);
      assert.equal(page.next_after, 0n);
      const temp = await client.createCoupon({ code: 'TEMP', discount_type: 'PERCENTAGE', discount_value: 500n });
      const updated = await client.updateCoupon(temp.id, { ...temp.spec, name: 'renamed' }, temp.revision);
      assert.equal(updated.spec.name, 'renamed');
      assert.equal(updated.revision, temp.revision + 1n);
      await client.deleteCoupon(temp.id);
      await assert.rejects(client.getCoupon(temp.id), NotFoundError);
      const info = await client.serverInfo();
      assert.equal(info.coupons, 2n);
      const digest = await client.digest();
      assert.ok(digest.lsn > 0n);
    }));

  test('several codes on one order: validate, reserve, confirm, release, redeem, reverse', () =>
    withLogs([server], async () => {
      const codes = ['TEN', 'FIVE'];
      const validation = await client.orderValidate({ codes, mode: 'ALL_OR_NOTHING', order: order('o-1', '100.00') });
      assert.equal(validation.totals.discount_amount, 1500n);
      assert.deepEqual(validation.codes.map((c) => c.applied), [true, true]);
      const held = await client.orderReserve({ codes, mode: 'ALL_OR_NOTHING', order_id: 'multi-1', ttl_ms: 60000, order: order('o-1', '100.00') });
      assert.deepEqual(held.redemptions.map((r) => r.status), ['PENDING', 'PENDING']);
      const confirmed = await client.orderConfirm('multi-1', 'tx-1');
      assert.deepEqual(confirmed.redemptions.map((r) => r.status), ['PROCESSED', 'PROCESSED']);
      await client.orderReserve({ codes, mode: 'BEST_EFFORT', order_id: 'multi-2', order: order('o-2', '100.00') });
      const released = await client.orderRelease('multi-2');
      assert.deepEqual(released.redemptions.map((r) => r.status), ['RELEASED', 'RELEASED']);
      const redeemed = await client.orderRedeem({ codes, mode: 'ALL_OR_NOTHING', order_id: 'multi-3', order: order('o-3', '100.00') });
      assert.equal(redeemed.totals.final_amount, 8500n);
      const again = await client.orderRedeem({ codes, mode: 'ALL_OR_NOTHING', order_id: 'multi-3', order: order('o-3', '100.00') });
      assert.equal(again.replayed, true);
      const reversed = await client.orderReverse('multi-3', 'returned');
      assert.deepEqual(reversed.redemptions.map((r) => r.status), ['REVERSED', 'REVERSED']);
      const q = await client.qualify({ limit: 5, order: order('o-4', '100.00') });
      assert.deepEqual(q.coupons.map((c) => c.code).sort(), ['FIVE', 'TEN']);
      assert.ok(q.candidates_evaluated >= 2);
    }));

  test('one code: reserve and release, a partial refund by refund id, reversal list, redemption list', () =>
    withLogs([server], async () => {
      const hold = await client.reserve({ code: 'TEN', order_id: 'single-1', order: order('s-1', '50.00') });
      const released = await client.release(hold.redemption.id);
      assert.equal(released.redemption.status, 'RELEASED');
      await assert.rejects(client.confirm({ code: 'TEN', order_id: 'single-1' }), InvalidStateError);
      const used = await client.redeem({ code: 'TEN', order_id: 'single-2', transaction_id: 'tx-2', order: order('s-2', '50.00') });
      assert.equal(used.redemption.transaction_id, 'tx-2');
      const partial = await client.reverse(used.redemption.id, 'one item back', { refundAmount: parseMoney('10.00', 'USD'), refundId: 'refund-1' });
      assert.equal(partial.redemption.status, 'PROCESSED');
      const repeat = await client.reverse(used.redemption.id, 'one item back', { refundAmount: parseMoney('10.00', 'USD'), refundId: 'refund-1' });
      assert.equal(repeat.replayed, true);
      const reversals = await client.listReversals(used.redemption.id);
      assert.equal(reversals.length, 1);
      assert.equal(reversals[0]!.refund_amount, 1000n);
      assert.equal(reversals[0]!.full, false);
      const ten = await client.getCoupon('TEN');
      const page = await client.listRedemptions(ten.id, 0n, 100);
      assert.ok(page.redemptions.some((r) => r.order_id === 'single-2'));
    }));

  test('fraud outcome, model and report; analytics', () =>
    withLogs([server], async () => {
      const used = await client.redeem({ code: 'FIVE', order_id: 'fraud-1', order: order('f-1', '50.00') });
      const model = await client.fraudOutcome(used.redemption.id, 'fraud');
      assert.ok(model.outcomes >= 1n);
      assert.ok(model.weights.length > 0);
      const [name, weight] = model.weights[0]!;
      assert.equal(typeof name, 'string');
      assert.equal(typeof weight, 'bigint');
      assert.equal((await client.fraudModel()).outcomes, model.outcomes);
      const now = BigInt(Date.now());
      const report = await client.fraudReport(now - 3_600_000n, now + 60_000n);
      assert.ok(report.attempts >= 1n);
      const coupon = await client.analyticsCoupon('FIVE');
      assert.equal(coupon.code, 'FIVE');
      assert.ok(coupon.metrics.total_redemptions >= 1n);
      const overview = await client.analyticsOverview();
      assert.ok(overview.coupons >= 2n);
    }));

  test('events and webhooks', () =>
    withLogs([server], async () => {
      const batch = await client.events({ from: 0n, types: eventTypeBits(['coupon.created']), max_batch: 100 });
      assert.ok(batch.events.length >= 2);
      assert.ok(batch.events.every((e) => e.event_type === 'coupon.created'));
      const added = await client.webhookAdd({ url: 'http://127.0.0.1:9/hook', description: 'test' });
      assert.ok(added.secret.length > 0);
      const list = await client.webhookList();
      assert.deepEqual(list.map((w) => w.id), [added.id]);
      const enabled = await client.webhookEnable(added.id);
      assert.equal(enabled.enabled, true);
      assert.ok(Array.isArray(await client.webhookDeliveries(added.id)));
      await client.webhookRemove(added.id);
      assert.deepEqual(await client.webhookList(), []);
    }));

  test('campaigns: update, list, delete; assigned codes; distribution', () =>
    withLogs([server], async () => {
      const draft = await client.createCampaign({ name: 'Draft', template: { code: '', discount_type: 'PERCENTAGE', discount_value: 500n, currency: 'USD' } });
      const updated = await client.updateCampaign(draft.id, { ...draft.spec, name: 'Draft 2' }, draft.revision);
      assert.equal(updated.spec.name, 'Draft 2');
      assert.ok((await client.listCampaigns()).campaigns.some((c) => c.id === draft.id));
      await client.deleteCampaign(draft.id);
      await assert.rejects(client.getCampaign(draft.id), NotFoundError);

      const personal = await client.createCampaign({
        name: 'For you',
        campaign_type: 'PERSONALIZED',
        template: { code: '', discount_type: 'PERCENTAGE', discount_value: 1000n, currency: 'USD', is_public: true },
      });
      await client.setCampaignStatus(personal.id, 'ACTIVE');
      const assigned = await client.assignCodes(personal.id, ['alice', 'bob']);
      assert.deepEqual(assigned.map((a) => [a.customer_id, a.created]), [['alice', true], ['bob', true]]);
      const again = await client.assignCodes(personal.id, ['alice']);
      assert.equal(again[0]!.code, assigned[0]!.code);
      assert.equal(again[0]!.created, false);

      const entries = await client.distribute(personal.id, [{ customer_id: 'alice' }, { customer_id: 'carol' }]);
      assert.equal(entries.length, 2);
      const deadline = Date.now() + 10000;
      let status = await client.distributionStatus(personal.id, 0n, 10);
      while (status.sent < 2n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        status = await client.distributionStatus(personal.id, 0n, 10);
      }
      assert.equal(status.total, 2n);
      assert.equal(status.sent, 2n, 'MANUAL distribution marks entries SENT');
      const bounced = await client.distributionReport(personal.id, 'carol', 'BOUNCED', 'mailbox full');
      assert.equal(bounced[0]!.status, 'BOUNCED');
    }));

  test('cluster status and a backup on its own connection', () =>
    withLogs([server], async () => {
      const status = await client.clusterStatus();
      assert.equal(status.role, 'LEADER');
      assert.equal(status.members.length, 1);
      const header = await client.backupBegin(true);
      assert.ok(header.lsn > 0n);
      let parts = 0;
      while ((await client.backupPart(parts)) !== null) parts++;
      assert.ok(parts > 0);
      const end = await client.backupEnd();
      assert.equal(end.parts, parts);
      assert.notEqual(end.digest, null);
      // The node frees itself for the next backup as soon as it notices the
      // end (protocol.md, BACKUP_BEGIN): until then another begin is BUSY.
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          await client.backupBegin(false);
          break;
        } catch (e) {
          if (!(e instanceof BusyError) || Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await client.backupAbort();
    }));
});
