use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// couponsd: a coupon engine for checkout and payment services.
#[derive(Debug, Parser)]
#[command(name = "couponsd", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// How client verbs reach the server.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "COUPONSD_ADDR",
        default_value = "127.0.0.1:7878"
    )]
    pub addr: String,
    /// Token (ROLE's secret) for servers that have tokens configured. A
    /// flag shows in `ps`: prefer the environment variable.
    #[arg(
        long,
        global = true,
        env = "COUPONSD_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub token: String,
    /// Speak TLS to the server (implied by --ca).
    #[arg(long, global = true, env = "COUPONSD_TLS")]
    pub tls: bool,
    /// CA certificates (PEM) the server's certificate must chain to.
    #[arg(long, global = true, env = "COUPONSD_CA", value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Client certificate chain (PEM) for mutual TLS; with --key.
    #[arg(
        long,
        global = true,
        env = "COUPONSD_CERT",
        value_name = "FILE",
        requires = "key"
    )]
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(
        long,
        global = true,
        env = "COUPONSD_KEY",
        value_name = "FILE",
        requires = "cert"
    )]
    pub key: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

// Parsed once per run: the size of the biggest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon.
    Serve(ServeArgs),
    /// Create, read, change and delete coupons.
    // Boxed: the coupon flags are far larger than any other verb's.
    #[command(subcommand)]
    Coupon(Box<CouponCommand>),
    /// Check a code against an order without using it.
    Validate(OrderArgs),
    /// Use a code for an order: reserve and confirm in one durable step.
    Redeem(OrderArgs),
    /// The coupons that apply to an order, and their best combination.
    Qualify(QualifyArgs),
    /// Hold a use for an order until payment is captured (or the hold expires).
    Reserve(ReserveArgs),
    /// Turn a hold into a redemption once payment is captured (--order
    /// alone: every hold of the order's set of codes).
    Confirm(ConfirmArgs),
    /// Give a hold back when payment is declined (--order alone: the set's).
    Release(RedemptionArgs),
    /// Give a captured use back when the order is cancelled or refunded
    /// (--order alone: every use of the order's set, in full).
    Reverse(ReverseArgs),
    /// Read redemptions.
    #[command(subcommand)]
    Redemption(RedemptionCommand),
    /// Check that the server answers.
    Ping,
    /// Server version, role, term, LSN and counts.
    Info,
    /// The node's LSN and a digest of everything it stores (compare nodes).
    Digest,
    /// The cluster: each node's role, term and log positions; add or remove nodes.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Campaigns: a coupon template, bulk code generation, budget, lifecycle.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// The fraud model: label outcomes, show its weights, report on attempts.
    #[command(subcommand)]
    Fraud(FraudCommand),
    /// The event stream: every change, from a cursor.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Analytics of a coupon, a campaign or the whole store.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Webhooks: endpoints every matching event is POSTed to, signed.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Load generator: many connections redeeming or validating as fast as they can.
    Bench(BenchArgs),
    /// Back up a running node's store, consistent at the LSN it has
    /// applied when the backup begins, into FILE (written as FILE.tmp,
    /// fsynced, renamed); prints the LSN and the node's digest at it.
    Backup(BackupArgs),
    /// Restore a backup file into a data directory, offline: the file is
    /// checked whole first. Exit 0 restored; 3 truncated; 4 damaged
    /// (checksum mismatch); 5 not a backup this version reads; 6 the
    /// directory is not empty (see --force); 1 other failures; 2 usage.
    Restore(RestoreArgs),
    /// Config files of `serve --config`.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check a stopped server's store offline: every row's checksum, every
    /// record, chunk and entry, and that its three files belong together.
    /// Exit 0: clean; 1: problems found; 2: could not check.
    Verify(VerifyArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a config file without starting a server: every key known,
    /// every value of its flag's type, the settings consistent. Exit 0:
    /// good; 2: each problem printed, naming its key.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Skip the digest at the backup's LSN (the node rebuilds its state at
    /// that LSN once more in memory to compute it).
    #[arg(long)]
    pub no_digest: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
    /// The data directory to build (created if missing; must be empty).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Replace the store files of a stopped server in DIR (other files stay).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Data directory of a stopped server.
    #[arg(long, env = "COUPONSD_DATA", default_value = "./data")]
    pub data: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML file of these settings, one key per flag spelled as the flag
    /// without `--` (`hold-ttl-secs = 900`). A flag, then its environment
    /// variable, override the file; the file overrides the built-in default.
    #[arg(long, env = "COUPONSD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on. Anything but loopback needs --token-file (or
    /// client certificates with roles: --tls-ca and --client-cert-role).
    #[arg(long, env = "COUPONSD_LISTEN", default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// Data directory (created if missing).
    #[arg(long, env = "COUPONSD_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// File of accepted tokens, `ROLE:SECRET` a line (ROLE admin, redeem or
    /// read; secrets of 8 characters or more), reread on SIGHUP. Without it
    /// only loopback clients may connect (protected mode).
    #[arg(long, env = "COUPONSD_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// The server's certificate chain (PEM, leaf first), reread on SIGHUP.
    /// With it, clients may speak TLS on --listen; the nodes of a cluster
    /// speak TLS to each other when --tls-ca is given too.
    #[arg(
        long,
        env = "COUPONSD_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM), reread on SIGHUP.
    #[arg(
        long,
        env = "COUPONSD_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// CA certificates (PEM), reread on SIGHUP: client certificates must
    /// chain to one (mutual TLS; a client without one may still use a
    /// token), and so must the other nodes' certificates.
    #[arg(
        long,
        env = "COUPONSD_TLS_CA",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_ca: Option<PathBuf>,
    /// A role for the clients whose certificate names NAME (its common name
    /// or a DNS name), e.g. `redeem:checkout.internal`; repeatable.
    #[arg(long, value_name = "ROLE:NAME", requires = "tls_ca")]
    pub client_cert_role: Vec<crate::server::tls::CertRole>,
    /// With TLS configured, whether loopback clients may still connect in
    /// plaintext (remote ones never may).
    #[arg(long, env = "COUPONSD_PLAINTEXT_LOOPBACK", default_value_t = true, action = clap::ArgAction::Set)]
    pub plaintext_loopback: bool,
    /// Client connections open at once; more are refused (BUSY) until one closes.
    #[arg(long, env = "COUPONSD_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Serve /healthz, /readyz and /metrics (Prometheus) over HTTP on this
    /// address, apart from --listen; no token, nothing secret shown. Off by
    /// default: a second fixed port would collide when several nodes share
    /// a host, and you choose which interface a scraper sees (loopback, an
    /// internal network).
    #[arg(long, env = "COUPONSD_HTTP_LISTEN", value_name = "ADDR")]
    pub http_listen: Option<SocketAddr>,
    /// Serve the admin console at /console/ on --http-listen: log in with an
    /// admin token (README: Admin console). Off by default.
    #[arg(long, requires = "http_listen")]
    pub console: bool,
    /// /readyz: a follower more than this many log entries behind the
    /// leader's commit is not ready.
    #[arg(long, env = "COUPONSD_READY_LAG_ENTRIES", default_value_t = 1_000)]
    pub ready_lag_entries: u64,
    /// Requests one connection may have in flight.
    #[arg(long, env = "COUPONSD_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Close connections idle this long.
    #[arg(long, env = "COUPONSD_IDLE_TIMEOUT_SECS", default_value_t = 300)]
    pub idle_timeout_secs: u64,
    /// Close a connection that has not completed its HELLO this long after
    /// connecting.
    #[arg(long, env = "COUPONSD_HANDSHAKE_TIMEOUT_MS", default_value_t = 5000)]
    pub handshake_timeout_ms: u64,
    /// Close a connection whose frame is not complete this long after its
    /// first byte.
    #[arg(long, env = "COUPONSD_FRAME_TIMEOUT_MS", default_value_t = 10_000)]
    pub frame_timeout_ms: u64,
    /// Connections one address may hold before their HELLO; more are
    /// refused at once (BUSY).
    #[arg(
        long,
        env = "COUPONSD_MAX_UNAUTHENTICATED_PER_ADDRESS",
        default_value_t = 32
    )]
    pub max_unauthenticated_per_address: u32,
    /// Replies one connection may leave unread before the server stops
    /// reading its requests.
    #[arg(long, env = "COUPONSD_MAX_UNREAD_REPLY_BYTES", default_value_t = 2 << 20)]
    pub max_unread_reply_bytes: usize,
    /// The same over all connections: past it, any connection with unread
    /// replies is not read until they drain.
    #[arg(long, env = "COUPONSD_MAX_UNREAD_REPLY_BYTES_TOTAL", default_value_t = 256 << 20)]
    pub max_unread_reply_bytes_total: usize,
    /// Unknown codes one connection may try per minute before it gets
    /// RATE_LIMITED (without a lookup) for the rest of the minute.
    #[arg(long, env = "COUPONSD_GUESS_LIMIT_CONNECTION", default_value_t = 1000)]
    pub guess_limit_connection: u32,
    /// Unknown codes one shopper (an order's ip_address, or its
    /// device_fingerprint) may try per 10 minutes.
    #[arg(long, env = "COUPONSD_GUESS_LIMIT_SHOPPER", default_value_t = 20)]
    pub guess_limit_shopper: u32,
    /// More disposable email domains, one a line (`#` comments), added to
    /// the shipped list; give every node of a cluster the same file.
    #[arg(long, env = "COUPONSD_DISPOSABLE_DOMAINS")]
    pub disposable_domains: Option<std::path::PathBuf>,
    /// SMTP server the sender mails EMAIL campaigns' codes through; without
    /// it, EMAIL codes stay QUEUED.
    #[arg(long, env = "COUPONSD_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// The SMTP server's port (587: submission with STARTTLS; 465: SMTPS).
    #[arg(long, env = "COUPONSD_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// none, starttls (required) or tls (SMTPS).
    #[arg(long, env = "COUPONSD_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: String,
    /// The SMTP login (with --smtp-password-file); none: no login.
    #[arg(long, env = "COUPONSD_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// File whose first line is the SMTP password (read at start).
    #[arg(long, env = "COUPONSD_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// CA certificates (PEM) trusted for the SMTP server besides the system's.
    #[arg(long, env = "COUPONSD_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,
    /// The From address of distributed codes' emails.
    #[arg(long, env = "COUPONSD_MAIL_FROM", default_value = "couponsd@localhost")]
    pub mail_from: String,
    /// A directory with subject.txt, body.txt and body.html replacing the
    /// built-in email (placeholders {{code}}, {{discount}}, {{expiry}},
    /// {{customer_id}}, {{campaign}}, {{locale}}).
    #[arg(long, env = "COUPONSD_EMAIL_TEMPLATE_DIR")]
    pub email_template_dir: Option<PathBuf>,
    /// The SMS gateway SMS campaigns' codes are POSTed to (http:// or
    /// https://); without it, SMS codes stay QUEUED.
    #[arg(long, env = "COUPONSD_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
    /// A header sent with every SMS gateway request, `Name: value` (an API
    /// key, say; the environment keeps it out of the process list).
    #[arg(long, env = "COUPONSD_SMS_GATEWAY_AUTH_HEADER", hide_env_values = true)]
    pub sms_gateway_auth_header: Option<String>,
    /// The JSON body of an SMS gateway request, with {{phone}} (E.164) and
    /// {{text}} (the message) put in as JSON string contents.
    #[arg(long, env = "COUPONSD_SMS_BODY_TEMPLATE",
          default_value = crate::distribution::sms::DEFAULT_BODY_TEMPLATE)]
    pub sms_body_template: String,
    /// Attempts per message before it is FAILED, 1 to 10.
    #[arg(long, env = "COUPONSD_DISTRIBUTION_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=10))]
    pub distribution_attempts: u32,
    /// Wait before a message's second attempt, doubled before each next one.
    #[arg(long, env = "COUPONSD_DISTRIBUTION_BACKOFF_MS", default_value_t = 500)]
    pub distribution_backoff_ms: u64,
    /// Most codes one order (ORDER_VALIDATE, ORDER_REDEEM) may carry and
    /// apply, 1 to 100.
    #[arg(long, env = "COUPONSD_STACK_MAX_CODES", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub stack_max_codes: u32,
    /// What each discount of a multi-code order is computed on: `initial`
    /// (the order as given) or `remaining` (what the codes before it left).
    #[arg(long, env = "COUPONSD_STACK_BASE", default_value = "remaining",
          value_parser = ["initial", "remaining"])]
    pub stack_base: String,
    /// Keep analytics as redemptions happen (ANALYTICS_*): `false` saves
    /// their log effects on every capture, reversal and view flush, and the
    /// figures then stay as they were. Give every node the same value: the
    /// leader's decides what is counted.
    #[arg(long, env = "COUPONSD_ANALYTICS", default_value_t = true,
          action = clap::ArgAction::Set)]
    pub analytics: bool,
    /// Default TTL of a hold made by reserve.
    #[arg(long, env = "COUPONSD_HOLD_TTL_SECS", default_value_t = 900)]
    pub hold_ttl_secs: u32,
    /// How often expired holds are given back.
    #[arg(long, env = "COUPONSD_HOLD_SWEEP_MS", default_value_t = 500)]
    pub hold_sweep_ms: u64,
    /// How often a few parts of the velocity windows, seen sets and code
    /// rates are swept of entries past their window (a whole pass every 16).
    #[arg(long, env = "COUPONSD_WINDOW_SWEEP_MS", default_value_t = 1000)]
    pub window_sweep_ms: u64,
    /// Most mutations committed in one transaction.
    #[arg(long, env = "COUPONSD_MAX_BATCH", default_value_t = 4096)]
    pub max_batch: usize,
    /// Checkpoint the in-memory state after this many log records (or 1/32
    /// of the state's entries, if more); bounds replay at restart.
    #[arg(long, env = "COUPONSD_CHECKPOINT_RECORDS", default_value_t = 200_000)]
    pub checkpoint_records: u64,
    /// Save redb's allocator state with every durable commit of the data
    /// file (one every 250 ms), so that a restart after a crash does not
    /// check the whole file first (seconds at gigabytes). Costs a second
    /// fsync with each.
    #[arg(long, env = "COUPONSD_QUICK_REPAIR", default_value_t = true, action = clap::ArgAction::Set)]
    pub quick_repair: bool,
    /// This node's id in its cluster (any number but 0, unique in the cluster).
    #[arg(long, env = "COUPONSD_NODE_ID", default_value_t = 1)]
    pub node_id: u64,
    /// A new cluster's voters, ID=ADDRESS comma-separated, this node among
    /// them (the same list on each). Without it (and without --join), this
    /// node is a cluster of its own, which can grow with `cluster add`.
    #[arg(long, env = "COUPONSD_PEERS", value_delimiter = ',')]
    pub peers: Vec<String>,
    /// Start empty and wait to be added to an existing cluster with
    /// `couponsd cluster add` (run against its leader).
    #[arg(long, env = "COUPONSD_JOIN", default_value_t = false)]
    pub join: bool,
    /// The address clients and the other nodes reach this node at (default:
    /// --listen). NOT_LEADER answers name it.
    #[arg(long, env = "COUPONSD_ADVERTISE")]
    pub advertise: Option<String>,
    /// File whose first line is the secret this node presents to the other
    /// nodes (they must accept it as admin), reread on SIGHUP. Without it,
    /// the others must have no tokens.
    #[arg(long, env = "COUPONSD_PEER_TOKEN_FILE")]
    pub peer_token_file: Option<PathBuf>,
    /// How often a leader sends heartbeats.
    #[arg(long, env = "COUPONSD_HEARTBEAT_MS", default_value_t = 100)]
    pub heartbeat_ms: u64,
    /// A follower that hears no heartbeat for a random time between this and
    /// twice this stands for election.
    #[arg(long, env = "COUPONSD_ELECTION_TIMEOUT_MS", default_value_t = 500)]
    pub election_timeout_ms: u64,
    /// Raft log entries between snapshots; a snapshot lets the log before it
    /// (less --raft-log-keep-entries) go.
    #[arg(long, env = "COUPONSD_SNAPSHOT_ENTRIES", default_value_t = 10_000)]
    pub snapshot_entries: u64,
    /// Raft log entries kept behind the last snapshot, so that a node that
    /// falls behind by less catches up from the log rather than a snapshot.
    #[arg(long, env = "COUPONSD_RAFT_LOG_KEEP_ENTRIES", default_value_t = 20_000)]
    pub raft_log_keep_entries: u64,
    /// The most MiB of entries the Raft log keeps, whatever their count (an
    /// entry is one batch: its size follows the load). After a crash,
    /// opening the log reads every entry it holds.
    #[arg(long, env = "COUPONSD_RAFT_LOG_KEEP_MIB", default_value_t = 256)]
    pub raft_log_keep_mib: u64,
    /// Mutation records kept in the state machine's own log behind the
    /// newest (beyond what a restart needs).
    #[arg(
        long,
        env = "COUPONSD_LOG_RETENTION_RECORDS",
        default_value_t = 1_000_000
    )]
    pub log_retention_records: u64,
    /// A webhook delivery succeeds on a 2xx answered within this.
    #[arg(long, env = "COUPONSD_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,
    /// The wait before retrying a failed webhook delivery; it doubles with
    /// each consecutive failure up to --webhook-backoff-max-ms, each wait
    /// drawn between half and all of it (tests and operators shrink it).
    #[arg(
        long,
        env = "COUPONSD_WEBHOOK_BACKOFF_INITIAL_MS",
        default_value_t = 1_000
    )]
    pub webhook_backoff_initial_ms: u64,
    /// The longest wait between two webhook delivery attempts.
    #[arg(
        long,
        env = "COUPONSD_WEBHOOK_BACKOFF_MAX_MS",
        default_value_t = 600_000
    )]
    pub webhook_backoff_max_ms: u64,
    /// Consecutive failed deliveries after which a webhook endpoint is
    /// disabled (440 at the default backoff: about three days).
    #[arg(long, env = "COUPONSD_WEBHOOK_FAILURES_MAX", default_value_t = 440,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub webhook_failures_max: u32,
    /// Log records the log keeps for an enabled webhook endpoint that has
    /// not had them yet; an endpoint further behind is disabled ("fell
    /// behind the retained log") and the log cut.
    #[arg(
        long,
        env = "COUPONSD_WEBHOOK_LAG_RECORDS_MAX",
        default_value_t = 5_000_000
    )]
    pub webhook_lag_records_max: u64,
    /// Test hook: delay every commit by this long.
    #[arg(long, default_value_t = 0, hide = true)]
    pub debug_commit_delay_ms: u64,
    /// Log format: text or json.
    #[arg(long, env = "COUPONSD_LOG_FORMAT", default_value = "text",
          value_parser = ["text", "json"])]
    pub log_format: String,
}

#[derive(Debug, Subcommand)]
pub enum CouponCommand {
    /// Create a coupon.
    Create {
        /// The code customers type (case-insensitive; stored upper case).
        #[arg(long)]
        code: String,
        /// Join this campaign: its budget and status then apply (fixed once created).
        #[arg(long)]
        campaign_id: Option<u64>,
        #[command(flatten)]
        text: CouponText,
        #[command(flatten)]
        fields: CouponFields,
    },
    /// Show one coupon.
    Get(CouponSelector),
    /// List coupons, oldest first.
    List {
        /// Start after this coupon id (the cursor a previous page printed).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// The most listed in one page.
        #[arg(long, default_value_t = 100)]
        limit: u16,
    },
    /// Change a coupon: only the fields given change.
    Update {
        #[command(flatten)]
        selector: CouponSelector,
        /// Rename the coupon to this code.
        #[arg(long)]
        new_code: Option<String>,
        #[command(flatten)]
        text: CouponText,
        #[command(flatten)]
        fields: CouponFields,
    },
    /// Delete a coupon (its redemptions are kept).
    Delete(CouponSelector),
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct CouponSelector {
    /// Select by coupon id.
    #[arg(long)]
    pub id: Option<u64>,
    /// Select by code.
    #[arg(long)]
    pub code: Option<String>,
}

/// A coupon's display name and description (coupon create and update).
#[derive(Debug, Clone, Default, Args)]
pub struct CouponText {
    /// The coupon's display name.
    #[arg(long)]
    pub name: Option<String>,
    /// The coupon's description.
    #[arg(long)]
    pub description: Option<String>,
}

/// The display name and description every code of a campaign carries (its
/// template's); `--name` on a campaign names the campaign itself.
#[derive(Debug, Clone, Default, Args)]
pub struct TemplateText {
    /// The display name each of the campaign's codes carries.
    #[arg(long = "template-name")]
    pub name: Option<String>,
    /// The description each of the campaign's codes carries.
    #[arg(long = "template-description")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct CouponFields {
    /// Percentage off, e.g. 20 or 12.5.
    #[arg(long, conflicts_with_all = ["amount", "free_shipping", "buy", "product_amount"])]
    pub percent: Option<String>,
    /// Fixed amount off, e.g. 10.00 (needs --currency).
    #[arg(long, conflicts_with_all = ["free_shipping", "buy", "product_amount"])]
    pub amount: Option<String>,
    /// With --amount: take it off each eligible line instead of once (true or false).
    #[arg(long)]
    pub per_line: Option<bool>,
    /// Free shipping: the order's shipping amount off (cap it with --max-discount).
    #[arg(long, conflicts_with_all = ["buy", "product_amount"])]
    pub free_shipping: bool,
    /// Buy X get Y: eligible units bought per set (with --get).
    #[arg(long, requires = "get", conflicts_with = "product_amount")]
    pub buy: Option<u32>,
    /// Buy X get Y: units per set that get the discount, the cheapest ones.
    #[arg(long, requires = "buy")]
    pub get: Option<u32>,
    /// Buy X get Y: percentage off the units got, e.g. 50 (default 100: free).
    #[arg(long, requires = "buy")]
    pub get_percent: Option<String>,
    /// PRODUCT: amount off each eligible unit, e.g. 5.00 (needs --currency and --applicable).
    #[arg(long)]
    pub product_amount: Option<String>,
    /// Lines the coupon applies to, "TYPE OPERATOR VALUE[,VALUE...]": TYPE is
    /// category, brand, sku, tag, product_id or price_range (amounts, e.g.
    /// "price_range greater_than 50.00"); OPERATOR in, not_in, equals,
    /// greater_than or less_than. Repeat: a line must match every one. The
    /// flags given replace the list; "" clears it.
    #[arg(long)]
    pub applicable: Option<Vec<String>>,
    /// Lines the coupon never applies to, like --applicable: a line matching any one is excluded.
    #[arg(long)]
    pub excluded: Option<Vec<String>>,
    /// Customer segments, comma-separated: the order must be in one ("" clears).
    #[arg(long, value_delimiter = ',')]
    pub segments: Option<Vec<String>>,
    /// Channels, comma-separated: the order's channel must be one ("" clears).
    #[arg(long, value_delimiter = ',')]
    pub channels: Option<Vec<String>>,
    /// Email domains, comma-separated: the customer's email must be at one ("" clears).
    #[arg(long, value_delimiter = ',')]
    pub email_domains: Option<Vec<String>>,
    /// Days of the week in --time-zone, e.g. mon-fri or sat,sun ("all": every day).
    #[arg(long)]
    pub active_days: Option<String>,
    /// Local time of day in --time-zone, e.g. 09:00-17:00 or 22:00-02:00 ("all": all day).
    #[arg(long)]
    pub active_hours: Option<String>,
    /// ISO 4217 currency of amounts, e.g. USD.
    #[arg(long)]
    pub currency: Option<String>,
    /// Total uses allowed (held and captured).
    #[arg(long)]
    pub usage_limit: Option<u64>,
    /// Uses allowed per customer.
    #[arg(long)]
    pub per_customer_limit: Option<u32>,
    /// Cap on the discount, e.g. 50.00.
    #[arg(long)]
    pub max_discount: Option<String>,
    /// Smallest order amount, e.g. 100.00.
    #[arg(long)]
    pub min_order: Option<String>,
    /// Start of validity, RFC 3339 (e.g. 2026-01-01T00:00:00Z).
    #[arg(long)]
    pub starts_at: Option<String>,
    /// End of validity (exclusive), RFC 3339.
    #[arg(long)]
    pub ends_at: Option<String>,
    /// IANA time zone for rules that need local time.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// SINGLE_USE, MULTI_USE, UNLIMITED, GENERIC or PERSONALIZED.
    #[arg(long = "type")]
    pub coupon_type: Option<String>,
    /// ACTIVE, INACTIVE or SUSPENDED.
    #[arg(long)]
    pub status: Option<String>,
    /// Security: an address range the order's --ip must be in, "allow:CIDR"
    /// or "deny:CIDR" (IPv4 or IPv6). Repeat; the flags given replace the
    /// list; "" clears it.
    #[arg(long)]
    pub ip_restriction: Option<Vec<String>>,
    /// Security: the order must carry a device fingerprint (true or false).
    #[arg(long)]
    pub device_fingerprinting: Option<bool>,
    /// Security: velocity checks on or off (true or false).
    #[arg(long)]
    pub velocity_checks: Option<bool>,
    /// Security: redemptions per identity per hour with velocity checks.
    #[arg(long)]
    pub max_per_hour: Option<u32>,
    /// Security: the order's email must be verified (true or false).
    #[arg(long)]
    pub require_email_verification: Option<bool>,
    /// Security: refuse disposable email domains (true or false).
    #[arg(long)]
    pub block_suspicious_patterns: Option<bool>,
    /// Active uses, or their discount, per identifier: "KIND:USES" or
    /// "KIND:USES:DISCOUNT" with KIND email, device, ip or payment (e.g.
    /// payment:1, email::50.00 with --currency). Repeat; "" clears the list.
    #[arg(long)]
    pub identifier_limit: Option<Vec<String>>,
    /// Fraud score from which a redemption is flagged, e.g. 0.6 ("none": never).
    #[arg(long)]
    pub review_score: Option<String>,
    /// Fraud score from which a redemption is refused, e.g. 0.85 ("none": never).
    #[arg(long)]
    pub block_score: Option<String>,
    /// Stacking: the class for deciding which codes of one order combine:
    /// order, product, shipping, or auto (from the discount type).
    #[arg(long)]
    pub stack_class: Option<String>,
    /// Stacking: the classes it combines with, comma-separated (e.g.
    /// order,shipping), "all" (the default) or "none".
    #[arg(long)]
    pub combines_with: Option<String>,
    /// Stacking: applies only alone (true or false).
    #[arg(long)]
    pub exclusive: Option<bool>,
    /// Stacking: higher applies first (may be negative; default 0).
    #[arg(long, allow_negative_numbers = true)]
    pub priority: Option<i32>,
    /// An automatic promotion that QUALIFY lists without its code (true or false).
    #[arg(long)]
    pub auto_apply: Option<bool>,
    /// Only this customer may use the code ("" clears: anyone).
    #[arg(long)]
    pub assigned_customer: Option<String>,
    /// Uses by one customer per local day ("none": no limit).
    #[arg(long)]
    pub customer_uses_per_day: Option<String>,
    /// Uses by one customer per ISO week, Monday to Sunday ("none": no limit).
    #[arg(long)]
    pub customer_uses_per_week: Option<String>,
    /// Uses by one customer per calendar month ("none": no limit).
    #[arg(long)]
    pub customer_uses_per_month: Option<String>,
    /// Uses by everyone per local day ("none": no limit).
    #[arg(long)]
    pub uses_per_day: Option<String>,
    /// Whether a fully reversed redemption gives its use back (true, the
    /// default) or the code stays used (false).
    #[arg(long)]
    pub reversal_returns_use: Option<bool>,
    /// A partial refund leaving less of the order than --min-order:
    /// prorate (its share of the discount back, the default) or
    /// reverse-discount (the whole discount back, the redemption reversed).
    #[arg(long)]
    pub refund_below_minimum: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct OrderArgs {
    /// The code; validate, redeem and reserve take several (repeat --code)
    /// as one order (ORDER_VALIDATE, ORDER_REDEEM, ORDER_RESERVE).
    #[arg(long, required = true)]
    pub code: Vec<String>,
    /// With several codes: `all` (any code refused refuses the order) or
    /// `best` (the refused ones are skipped).
    #[arg(long, default_value = "all", value_parser = ["all", "best"])]
    pub mode: String,
    /// Order id: the idempotency key together with the code.
    #[arg(long, default_value = "")]
    pub order: String,
    /// Payment transaction id, kept on the redemption.
    #[arg(long, default_value = "")]
    pub transaction: String,
    #[command(flatten)]
    pub cart: CartArgs,
}

/// The order itself: who buys what (validate, redeem, reserve, qualify).
#[derive(Debug, Clone, Args)]
pub struct CartArgs {
    /// Customer id; omit for a guest.
    #[arg(long, default_value = "")]
    pub customer: String,
    /// Order amount, e.g. 150.00.
    #[arg(long)]
    pub amount: String,
    /// ISO 4217 currency of every amount of the order, e.g. USD.
    #[arg(long)]
    pub currency: String,
    /// Sales channel, e.g. web or app (for coupons limited to channels).
    #[arg(long, default_value = "")]
    pub channel: String,
    /// Shipping part of --amount, e.g. 4.99.
    #[arg(long)]
    pub shipping: Option<String>,
    /// Customer email (for coupons limited to email domains).
    #[arg(long, default_value = "")]
    pub email: String,
    /// Customer segments, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub segments: Vec<String>,
    /// A line of the order, "sku=A1,category=shoes,brand=acme,tags=sale|new,
    /// product_id=P1,price=19.99,quantity=2" (price required, quantity 1 by
    /// default). Repeat for each line.
    #[arg(long = "item")]
    pub items: Vec<String>,
    /// The shopper's IP address.
    #[arg(long, default_value = "")]
    pub ip: String,
    /// The shopper's device fingerprint.
    #[arg(long, default_value = "")]
    pub device: String,
    /// The shopper's browser user agent (a fraud signal).
    #[arg(long, default_value = "")]
    pub user_agent: String,
    /// The shop verified --email.
    #[arg(long)]
    pub email_verified: bool,
    /// The payment provider's fingerprint of the card.
    #[arg(long, default_value = "")]
    pub payment_fingerprint: String,
    /// The payment provider's own risk score, between 0 and 1.
    #[arg(long)]
    pub provider_risk_score: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print events from a cursor, one a line (--json: one JSON object a
    /// line); without --follow, stop once caught up and print the cursor to
    /// resume from on stderr (`next: ID`).
    Tail(EventsTailArgs),
}

#[derive(Debug, Clone, Args)]
pub struct EventsTailArgs {
    /// The first event id wanted (0: the oldest this node still holds).
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// Only these types (repeat or separate by commas), e.g.
    /// redemption.redeemed,coupon.created.
    #[arg(long = "type", value_name = "TYPE")]
    pub event_types: Vec<String>,
    /// Only events of this coupon id.
    #[arg(long)]
    pub coupon: Option<u64>,
    /// Only events of this campaign id.
    #[arg(long)]
    pub campaign: Option<u64>,
    /// Events asked for per request, 1 to 1000.
    #[arg(long, default_value_t = 100)]
    pub max_batch: u32,
    /// Keep waiting for new events (poll every 200 ms when caught up).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Stop after this many events.
    #[arg(long)]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct QualifyArgs {
    #[command(flatten)]
    pub cart: CartArgs,
    /// The most coupons listed, 1 to 100.
    #[arg(long, default_value_t = 10)]
    pub limit: u16,
}

#[derive(Debug, Clone, Args)]
pub struct ReserveArgs {
    #[command(flatten)]
    pub order: OrderArgs,
    /// Hold TTL; 0 uses the server's default (its --hold-ttl-secs).
    #[arg(long, default_value_t = 0, visible_alias = "hold-ttl-secs")]
    pub ttl_secs: u32,
}

#[derive(Debug, Clone, Args)]
pub struct RedemptionArgs {
    /// Redemption id.
    #[arg(long, conflicts_with_all = ["code", "order"])]
    pub id: Option<u64>,
    /// Coupon code (with --order).
    #[arg(long, requires = "order")]
    pub code: Option<String>,
    /// Order id: with --code, that code's redemption; alone (confirm,
    /// release, reverse), the order's whole set of codes.
    #[arg(long)]
    pub order: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ConfirmArgs {
    #[command(flatten)]
    pub redemption: RedemptionArgs,
    /// Payment transaction id, kept on each redemption of the set (--order alone).
    #[arg(long, default_value = "")]
    pub transaction: String,
}

#[derive(Debug, Clone, Args)]
pub struct ReverseArgs {
    #[command(flatten)]
    pub redemption: RedemptionArgs,
    /// Why it is reversed (kept on the reversal).
    #[arg(long, default_value = "")]
    pub reason: String,
    /// A partial refund of this much of the order, e.g. 25.00 (default: all
    /// that is left, which gives the use back).
    #[arg(long)]
    pub refund: Option<String>,
    /// The payment system's refund id: retrying with it is harmless.
    #[arg(long, default_value = "")]
    pub refund_id: String,
}

#[derive(Debug, Subcommand)]
pub enum RedemptionCommand {
    /// Show one redemption.
    Get(RedemptionArgs),
    /// A redemption's reversals: each full or partial refund, oldest first.
    Reversals(RedemptionArgs),
    /// List a coupon's redemptions, oldest first.
    List {
        #[command(flatten)]
        coupon: CouponSelector,
        /// Start after this redemption id (the cursor a previous page printed).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// The most listed in one page.
        #[arg(long, default_value_t = 100)]
        limit: u16,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add an endpoint; prints its id and its signing secret (shown only
    /// this once). It gets the events after it was added.
    Add {
        /// Where to POST: an http:// or https:// URL, at most 2,048 bytes.
        #[arg(long)]
        url: String,
        /// Event types to send (repeat or separate by commas), e.g.
        /// redemption.redeemed,coupon.created; omitted: every type.
        #[arg(long = "events", value_name = "TYPES")]
        events: Vec<String>,
        /// What it is for (at most 256 bytes).
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Every endpoint: URL, types, enabled or why not, position, failures,
    /// last error, backlog (never the secret).
    List,
    /// Remove an endpoint: deliveries to it stop.
    Remove {
        /// The endpoint's id.
        id: u64,
    },
    /// Enable a disabled endpoint again: delivery resumes from its position,
    /// failures count from 0.
    Enable {
        /// The endpoint's id.
        id: u64,
    },
    /// The leader's last 100 delivery attempts to an endpoint, oldest first.
    Deliveries {
        /// The endpoint's id.
        id: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// A coupon's views, redemptions, revenue, rates, timeline and top products.
    Coupon(CouponSelector),
    /// A campaign's totals, codes generated and redeemed, redemption rate and ROI.
    Campaign {
        /// Campaign id.
        #[arg(long)]
        id: u64,
    },
    /// The whole store's totals.
    Overview,
}

#[derive(Debug, Subcommand)]
pub enum FraudCommand {
    /// Tell the model what a redemption turned out to be (a chargeback:
    /// fraud); every node learns the same step. A redemption is labelled once.
    Outcome {
        /// Redemption id.
        #[arg(long)]
        redemption: u64,
        /// fraud or legit.
        #[arg(long, value_parser = ["fraud", "legit"], ignore_case = true)]
        label: String,
    },
    /// The model's weights, bias and outcomes learned.
    Model,
    /// Attempts, blocked ones, patterns and the riskiest coupons of a range.
    Report {
        /// Start (inclusive): RFC 3339 (2026-01-01T00:00:00Z) or a UTC date (2026-01-01).
        #[arg(long)]
        from: String,
        /// End (exclusive), as --from.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign (DRAFT). Its codes are coupons made from the
    /// template given with the coupon flags.
    Create {
        #[command(flatten)]
        campaign: CampaignFields,
        #[command(flatten)]
        rules: RuleFields,
        #[command(flatten)]
        template: CouponFields,
        #[command(flatten)]
        template_text: TemplateText,
        #[command(flatten)]
        code: TemplateCode,
    },
    /// Show one campaign with its counters and generation progress.
    Get(CampaignId),
    /// List campaigns, oldest first.
    List {
        /// Start after this id (the cursor a previous page printed).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// The most listed in one page.
        #[arg(long, default_value_t = 100)]
        limit: u16,
    },
    /// Change a campaign: only the fields given change.
    Update {
        #[command(flatten)]
        id: CampaignId,
        #[command(flatten)]
        campaign: CampaignFields,
        #[command(flatten)]
        rules: RuleFields,
        #[command(flatten)]
        template: CouponFields,
        #[command(flatten)]
        template_text: TemplateText,
        #[command(flatten)]
        code: TemplateCode,
    },
    /// DRAFT -> SCHEDULED: its codes work from its start date.
    Schedule(CampaignId),
    /// Start it now (from DRAFT or SCHEDULED).
    Activate(CampaignId),
    /// Stop every code of the campaign at once (until resumed).
    Pause(CampaignId),
    /// Let a paused campaign's codes work again.
    Resume(CampaignId),
    /// End it (final).
    Complete(CampaignId),
    /// Cancel it (final): its codes never work again.
    Cancel(CampaignId),
    /// Delete a DRAFT campaign that has no codes yet (cancel any other).
    Delete(CampaignId),
    /// Generate codes (in the background on the server); waits and shows progress.
    Generate {
        /// Campaign id.
        #[arg(long = "id", visible_alias = "campaign")]
        campaign: u64,
        /// Codes to generate.
        #[arg(long)]
        count: u64,
        /// Set generation rules first (only before any code was generated).
        #[command(flatten)]
        rules: RuleFields,
        /// Return at once instead of waiting for the codes.
        #[arg(long)]
        no_wait: bool,
    },
    /// Give each customer a code of a PERSONALIZED or TRIGGERED campaign
    /// bound to them, or a REFERRAL campaign's code naming them its
    /// referrer; a customer who has one gets the same code again.
    Assign {
        #[command(flatten)]
        id: CampaignId,
        /// A customer to give a code to; repeat for more (at most 1000).
        /// None: the campaign's audience customer ids.
        #[arg(long = "customer")]
        customers: Vec<String>,
    },
    /// Queue a code for each recipient of FILE (CSV with a header, or JSON
    /// lines; columns customer_id, email, phone, locale) in the campaign's
    /// outbox, 1,000 a request; the server sends them by the campaign's
    /// distribution method. A recipient already queued keeps their code.
    Distribute {
        /// Campaign id.
        #[arg(long = "id", visible_alias = "campaign")]
        campaign: u64,
        /// The recipients: CSV with a header, or JSON lines; fields
        /// customer_id, email, phone, locale.
        #[arg(long)]
        recipients: std::path::PathBuf,
    },
    /// The campaign's distribution outbox: status or export.
    #[command(subcommand)]
    Distribution(DistributionCommand),
    /// Write the campaign's codes to stdout, page by page.
    Export {
        /// Campaign id.
        #[arg(long = "id", visible_alias = "campaign")]
        campaign: u64,
        /// csv or jsonl.
        #[arg(long, default_value = "csv", value_parser = ["csv", "jsonl"])]
        format: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DistributionCommand {
    /// Counts by status (QUEUED, SENT, FAILED, BOUNCED, REDEEMED) and progress.
    Status {
        /// Campaign id.
        #[arg(long = "id", visible_alias = "campaign")]
        campaign: u64,
    },
    /// Every recipient's code and status as CSV (customer_id,code,status).
    Export {
        /// Campaign id.
        #[arg(long = "id", visible_alias = "campaign")]
        campaign: u64,
        /// The CSV file to write.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CampaignId {
    /// Campaign id.
    #[arg(long, visible_alias = "campaign")]
    pub id: u64,
}

/// `--code` on campaign create and update, accepted only to be refused with
/// the reason: the template has no code, each generated coupon has its own.
#[derive(Debug, Clone, Args)]
pub struct TemplateCode {
    #[arg(long, hide = true)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct CampaignFields {
    /// Campaign name (create: required).
    #[arg(long = "name", visible_alias = "campaign-name")]
    pub campaign_name: Option<String>,
    /// Campaign description.
    #[arg(long = "description", visible_alias = "campaign-description")]
    pub campaign_description: Option<String>,
    /// BULK, TRIGGERED, PERSONALIZED or REFERRAL.
    #[arg(long = "campaign-type")]
    pub campaign_type: Option<String>,
    /// Days each code is valid from its generation (0: only the template's window).
    #[arg(long)]
    pub validity_days: Option<u32>,
    /// Most discount all its redemptions together may give, e.g. 1000.00 (in
    /// the template's --currency).
    #[arg(long)]
    pub budget: Option<String>,
    /// Most codes it may generate.
    #[arg(long)]
    pub coupon_limit: Option<u64>,
    /// Campaign start, RFC 3339 (a SCHEDULED campaign's codes work from then).
    #[arg(long)]
    pub campaign_starts_at: Option<String>,
    /// Campaign end, RFC 3339.
    #[arg(long)]
    pub campaign_ends_at: Option<String>,
    /// Distribution: MANUAL, EMAIL, SMS, APP, WEBSITE or PARTNER.
    #[arg(long)]
    pub distribution: Option<String>,
    /// true: a TRIGGERED campaign issues one of its codes to each customer
    /// on their first captured redemption while it runs (false: only
    /// `campaign assign` issues them).
    #[arg(long)]
    pub auto_distribute: Option<bool>,
    /// A REFERRAL campaign's reward: the id of a PERSONALIZED or TRIGGERED
    /// campaign whose new code the referrer is issued each time an order
    /// using their referral code is captured (0: no reward).
    #[arg(long = "reward-campaign")]
    pub reward_campaign: Option<u64>,
    /// Codes the distribution sender sends at once, 1 to 1000.
    #[arg(long = "distribution-batch-size", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub distribution_batch_size: Option<u32>,
    /// Codes the distribution sender sends per hour at most (0: no limit).
    #[arg(long = "distribution-rate")]
    pub distribution_rate: Option<u32>,
    /// Target audience segments, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub audience_segments: Option<Vec<String>>,
    /// Target audience customer ids, comma-separated (`campaign assign`
    /// without --customer gives each a code of a PERSONALIZED, TRIGGERED
    /// or REFERRAL campaign).
    #[arg(long, value_delimiter = ',')]
    pub audience_customers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RuleFields {
    /// Random characters per code (default 8).
    #[arg(long)]
    pub length: Option<u8>,
    /// Characters every generated code starts with, e.g. SUMMER-.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Characters every generated code ends with.
    #[arg(long)]
    pub suffix: Option<String>,
    /// Character classes, comma-separated: letters, digits, special (default letters,digits).
    #[arg(long, value_delimiter = ',')]
    pub charset: Option<Vec<String>>,
    /// Keep characters that read alike (0/O, 1/I/L, ...); left out by default.
    #[arg(long)]
    pub allow_ambiguous: bool,
    /// none, check-character or mac: mistyped or guessed codes are refused without a lookup.
    #[arg(long)]
    pub check: Option<String>,
    /// MAC characters with --check mac (default 4).
    #[arg(long)]
    pub mac_length: Option<u8>,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Every node's role, term, commit and applied index, lag and last
    /// contact (asks each member; --addr names any one of them).
    Status,
    /// Add a node (started with --join): it catches up, then becomes a voter.
    Add {
        /// The new node's --node-id.
        #[arg(long)]
        node_id: u64,
        /// The new node's address (its --advertise, or --listen).
        #[arg(long = "node-addr")]
        node_addr: String,
        /// Keep it a learner: it follows and serves reads but does not vote.
        #[arg(long)]
        learner: bool,
    },
    /// Remove a node from the cluster.
    Remove {
        /// The node's --node-id.
        #[arg(long)]
        node_id: u64,
    },
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// redeem, validate, mixed (9 validates to 1 redeem) or qualify (a
    /// cart of three lines over coupons made for it: see benches/qualify.sh).
    #[arg(long, default_value = "redeem",
          value_parser = ["redeem", "validate", "mixed", "qualify"])]
    pub op: String,
    /// Use this existing coupon instead of creating bench coupons.
    #[arg(long)]
    pub code: Option<String>,
    /// Number of coupons to create and spread requests over (1 = one hot coupon).
    #[arg(long, default_value_t = 1)]
    pub coupons: u32,
    /// Name the bench coupons PREFIX-0 .. PREFIX-(K-1) and reuse any that
    /// exist, and keep them for the next run (default: a fresh random
    /// prefix per run, whose coupons are deleted when it ends).
    #[arg(long)]
    pub coupon_prefix: Option<String>,
    /// Keep the coupons a run with a random prefix created (their
    /// redemptions are kept either way).
    #[arg(long)]
    pub keep_coupons: bool,
    /// Stop after this many requests in total (default: run for --duration).
    #[arg(long)]
    pub requests: Option<u64>,
    /// Number of distinct customers.
    #[arg(long, default_value_t = 10_000)]
    pub customers: u32,
    /// Connections opened to the server.
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    /// Requests in flight per connection.
    #[arg(long, default_value_t = 1)]
    pub pipeline: u32,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Order amount used by every request, in minor units of USD.
    #[arg(long, default_value_t = 15_000)]
    pub amount: i64,
    /// The bench coupons' fraud checks: `off` (none: no velocity window,
    /// no score thresholds) or `on` (every security setting and an
    /// identifier limit, with limits no bench run reaches; each order then
    /// carries a verified email, a device, an IP and a card of its customer).
    #[arg(long, default_value = "off", value_parser = ["off", "on"])]
    pub security: String,
    /// Codes per order: above 1, each request is an ORDER_REDEEM (or
    /// ORDER_VALIDATE) of that many distinct bench coupons, all or nothing.
    #[arg(long, default_value_t = 1)]
    pub codes_per_order: u32,
}
