package couponsd

// Opcode numbers (protocol.md section 9). A reply carries its request's.
const (
	OpHello              uint16 = 0x0001
	OpPing               uint16 = 0x0002
	OpServerInfo         uint16 = 0x0003
	OpCouponCreate       uint16 = 0x0010
	OpCouponGet          uint16 = 0x0011
	OpCouponUpdate       uint16 = 0x0012
	OpCouponDelete       uint16 = 0x0013
	OpCouponList         uint16 = 0x0014
	OpValidate           uint16 = 0x0020
	OpRedeem             uint16 = 0x0021
	OpReserve            uint16 = 0x0022
	OpConfirm            uint16 = 0x0023
	OpRelease            uint16 = 0x0024
	OpReverse            uint16 = 0x0025
	OpRedemptionGet      uint16 = 0x0026
	OpRedemptionList     uint16 = 0x0027
	OpReversalList       uint16 = 0x0028
	OpDigest             uint16 = 0x0030
	OpRaftAppend         uint16 = 0x0040
	OpRaftVote           uint16 = 0x0041
	OpRaftSnapshotBegin  uint16 = 0x0042
	OpRaftSnapshotPart   uint16 = 0x0043
	OpRaftSnapshotEnd    uint16 = 0x0044
	OpClusterStatus      uint16 = 0x0045
	OpClusterAdd         uint16 = 0x0046
	OpClusterRemove      uint16 = 0x0047
	OpViewsForward       uint16 = 0x0048
	OpCampaignCreate     uint16 = 0x0050
	OpCampaignGet        uint16 = 0x0051
	OpCampaignUpdate     uint16 = 0x0052
	OpCampaignList       uint16 = 0x0053
	OpCampaignSetStatus  uint16 = 0x0054
	OpCampaignGenerate   uint16 = 0x0055
	OpCampaignCodes      uint16 = 0x0056
	OpCampaignDelete     uint16 = 0x0057
	OpOrderValidate      uint16 = 0x0058
	OpOrderRedeem        uint16 = 0x0059
	OpOrderReserve       uint16 = 0x005A
	OpOrderConfirm       uint16 = 0x005B
	OpOrderRelease       uint16 = 0x005C
	OpOrderReverse       uint16 = 0x005D
	OpQualify            uint16 = 0x005E
	OpCampaignAssign     uint16 = 0x005F
	OpFraudOutcome       uint16 = 0x0060
	OpFraudModel         uint16 = 0x0061
	OpFraudReport        uint16 = 0x0062
	OpAnalyticsCoupon    uint16 = 0x0070
	OpAnalyticsCampaign  uint16 = 0x0071
	OpAnalyticsOverview  uint16 = 0x0072
	OpEventsSubscribe    uint16 = 0x0078
	OpWebhookEnable      uint16 = 0x0079
	OpWebhookAdd         uint16 = 0x007A
	OpWebhookList        uint16 = 0x007B
	OpWebhookRemove      uint16 = 0x007C
	OpWebhookDeliveries  uint16 = 0x007D
	OpCampaignDistribute uint16 = 0x0080
	OpDistributionStatus uint16 = 0x0081
	OpDistributionReport uint16 = 0x0082
	OpBackupBegin        uint16 = 0x0090
	OpBackupPart         uint16 = 0x0091
	OpBackupEnd          uint16 = 0x0092
	OpBackupAbort        uint16 = 0x0093
)

// OpcodeNames are the protocol names of the opcodes, by number.
var OpcodeNames = map[uint16]string{
	OpHello: "HELLO", OpPing: "PING", OpServerInfo: "SERVER_INFO",
	OpCouponCreate: "COUPON_CREATE", OpCouponGet: "COUPON_GET", OpCouponUpdate: "COUPON_UPDATE",
	OpCouponDelete: "COUPON_DELETE", OpCouponList: "COUPON_LIST",
	OpValidate: "VALIDATE", OpRedeem: "REDEEM", OpReserve: "RESERVE", OpConfirm: "CONFIRM",
	OpRelease: "RELEASE", OpReverse: "REVERSE", OpRedemptionGet: "REDEMPTION_GET",
	OpRedemptionList: "REDEMPTION_LIST", OpReversalList: "REVERSAL_LIST", OpDigest: "DIGEST",
	OpRaftAppend: "RAFT_APPEND", OpRaftVote: "RAFT_VOTE", OpRaftSnapshotBegin: "RAFT_SNAPSHOT_BEGIN",
	OpRaftSnapshotPart: "RAFT_SNAPSHOT_PART", OpRaftSnapshotEnd: "RAFT_SNAPSHOT_END",
	OpClusterStatus: "CLUSTER_STATUS", OpClusterAdd: "CLUSTER_ADD", OpClusterRemove: "CLUSTER_REMOVE",
	OpViewsForward:   "VIEWS_FORWARD",
	OpCampaignCreate: "CAMPAIGN_CREATE", OpCampaignGet: "CAMPAIGN_GET", OpCampaignUpdate: "CAMPAIGN_UPDATE",
	OpCampaignList: "CAMPAIGN_LIST", OpCampaignSetStatus: "CAMPAIGN_SET_STATUS",
	OpCampaignGenerate: "CAMPAIGN_GENERATE", OpCampaignCodes: "CAMPAIGN_CODES", OpCampaignDelete: "CAMPAIGN_DELETE",
	OpOrderValidate: "ORDER_VALIDATE", OpOrderRedeem: "ORDER_REDEEM", OpOrderReserve: "ORDER_RESERVE",
	OpOrderConfirm: "ORDER_CONFIRM", OpOrderRelease: "ORDER_RELEASE", OpOrderReverse: "ORDER_REVERSE",
	OpQualify: "QUALIFY", OpCampaignAssign: "CAMPAIGN_ASSIGN",
	OpFraudOutcome: "FRAUD_OUTCOME", OpFraudModel: "FRAUD_MODEL", OpFraudReport: "FRAUD_REPORT",
	OpAnalyticsCoupon: "ANALYTICS_COUPON", OpAnalyticsCampaign: "ANALYTICS_CAMPAIGN",
	OpAnalyticsOverview: "ANALYTICS_OVERVIEW", OpEventsSubscribe: "EVENTS_SUBSCRIBE",
	OpWebhookEnable: "WEBHOOK_ENABLE", OpWebhookAdd: "WEBHOOK_ADD", OpWebhookList: "WEBHOOK_LIST",
	OpWebhookRemove: "WEBHOOK_REMOVE", OpWebhookDeliveries: "WEBHOOK_DELIVERIES",
	OpCampaignDistribute: "CAMPAIGN_DISTRIBUTE", OpDistributionStatus: "DISTRIBUTION_STATUS",
	OpDistributionReport: "DISTRIBUTION_REPORT",
	OpBackupBegin:        "BACKUP_BEGIN", OpBackupPart: "BACKUP_PART", OpBackupEnd: "BACKUP_END", OpBackupAbort: "BACKUP_ABORT",
}
