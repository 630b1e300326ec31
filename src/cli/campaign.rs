//! `couponsd campaign ...`: create, read, change and move campaigns through
//! their lifecycle, generate their codes (with progress), export them.

use std::borrow::Cow;
use std::io::Write;
use std::time::{Duration, Instant};

use couponsd_client::money;
use couponsd_client::wire::{
    AssignedCode, Campaign, CampaignSpec, CampaignStatus, CampaignType, CodeCheck,
    DistributionMethod, GenerationRules,
};
use couponsd_client::{Client, ClientError};
use serde_json::{json, Value};

use super::args::{
    CampaignCommand, CampaignFields, CouponFields, RuleFields, TemplateCode, TemplateText,
};
use super::commands::{
    apply_fields, apply_text, discount_text, require_discount, rfc3339, with_cursor, Failure,
    Output,
};
use super::json;
use crate::domain::campaign::FinalStatus;

/// How long `campaign generate` waits for a new code before giving up.
const STALL: Duration = Duration::from_secs(60);

pub async fn run(client: &Client, command: CampaignCommand) -> Result<Output, Failure> {
    match command {
        CampaignCommand::Create {
            campaign,
            rules,
            template,
            template_text,
            code,
        } => {
            refuse_code(&code)?;
            if campaign.campaign_name.is_none() {
                return Err(Failure::Usage("give the campaign a --name".into()));
            }
            require_discount(&template)?;
            let spec = apply_all(
                CampaignSpec::default(),
                &campaign,
                &rules,
                &template,
                &template_text,
            )?;
            Ok(output(&client.create_campaign(spec).await?))
        }
        CampaignCommand::Get(id) => Ok(output(&client.get_campaign(id.id).await?)),
        CampaignCommand::List { after, limit } => {
            let (page, next) = client.list_campaigns(after, limit).await?;
            Ok(Output {
                json: json!({
                    "campaigns": page.iter().map(campaign_json).collect::<Vec<_>>(),
                    "next_after": if next == 0 { Value::Null } else { next.into() },
                }),
                text: with_cursor(page.iter().map(line).collect(), next),
            })
        }
        CampaignCommand::Update {
            id,
            campaign,
            rules,
            template,
            template_text,
            code,
        } => {
            refuse_code(&code)?;
            let current = client.get_campaign(id.id).await?;
            let spec = apply_all(
                current.spec.clone(),
                &campaign,
                &rules,
                &template,
                &template_text,
            )?;
            Ok(output(
                &client
                    .update_campaign(current.id, current.revision, spec)
                    .await?,
            ))
        }
        CampaignCommand::Schedule(id) => status(client, id.id, CampaignStatus::Scheduled).await,
        CampaignCommand::Activate(id) => status(client, id.id, CampaignStatus::Active).await,
        CampaignCommand::Resume(id) => {
            // Resuming is for a paused campaign; starting one is `activate`.
            // (Resuming an ACTIVE one changes nothing: a safe retry. The
            // server refuses it for a final one.)
            let current = client.get_campaign(id.id).await?;
            if matches!(
                current.status,
                CampaignStatus::Draft | CampaignStatus::Scheduled
            ) {
                return Err(Failure::Usage(format!(
                    "campaign {} is {}, not PAUSED: `campaign activate` starts it",
                    id.id,
                    current.status.name()
                )));
            }
            status(client, id.id, CampaignStatus::Active).await
        }
        CampaignCommand::Pause(id) => status(client, id.id, CampaignStatus::Paused).await,
        CampaignCommand::Complete(id) => status(client, id.id, CampaignStatus::Completed).await,
        CampaignCommand::Cancel(id) => status(client, id.id, CampaignStatus::Cancelled).await,
        CampaignCommand::Delete(id) => {
            client.delete_campaign(id.id).await?;
            Ok(Output {
                json: json!({ "deleted": true, "id": id.id }),
                text: format!("deleted campaign {}", id.id),
            })
        }
        CampaignCommand::Generate {
            campaign,
            count,
            rules,
            no_wait,
        } => generate(client, campaign, count, &rules, no_wait).await,
        CampaignCommand::Export { campaign, format } => export(client, campaign, &format).await,
        CampaignCommand::Distribute {
            campaign,
            recipients,
        } => super::distribution::distribute(client, campaign, &recipients).await,
        CampaignCommand::Distribution(command) => super::distribution::run(client, command).await,
        CampaignCommand::Assign { id, customers } => {
            let codes = client.assign_codes(id.id, customers).await?;
            Ok(assigned_output(&codes))
        }
    }
}

/// Each customer's code: one line each (`created` or `existing`), or JSON.
fn assigned_output(codes: &[AssignedCode]) -> Output {
    let line = |c: &AssignedCode| {
        let how = if c.created { "created" } else { "existing" };
        format!(
            "{}\t{}\tcoupon {}\t{how}",
            c.customer_id, c.code, c.coupon_id
        )
    };
    Output {
        json: json!({
            "codes": codes
                .iter()
                .map(|c| json!({
                    "customer_id": c.customer_id,
                    "code": c.code,
                    "coupon_id": c.coupon_id,
                    "created": c.created,
                }))
                .collect::<Vec<_>>(),
        }),
        text: codes.iter().map(line).collect::<Vec<_>>().join("\n"),
    }
}

fn refuse_code(code: &TemplateCode) -> Result<(), Failure> {
    if code.code.is_some() {
        return Err(Failure::Usage(
            "--code: a campaign's codes are made by `campaign generate`, each coupon its own; \
             the template has none"
                .into(),
        ));
    }
    Ok(())
}

async fn status(client: &Client, id: u64, status: CampaignStatus) -> Result<Output, Failure> {
    Ok(output(&client.set_campaign_status(id, status).await?))
}

async fn generate(
    client: &Client,
    id: u64,
    count: u64,
    rules: &RuleFields,
    no_wait: bool,
) -> Result<Output, Failure> {
    let mut current = client.get_campaign(id).await?;
    let wanted = apply_rules(current.spec.rules.clone(), rules)?;
    if wanted != current.spec.rules {
        let mut spec = current.spec.clone();
        spec.rules = wanted;
        current = client
            .update_campaign(current.id, current.revision, spec)
            .await?;
    }
    // Against the revision just read: a retry cannot ask for the codes twice.
    let mut c = client.generate_codes(id, count, current.revision).await?;
    let target = c.generation_target;
    let started = Instant::now();
    let mut last_progress = Instant::now();
    while !no_wait && c.coupons_generated < target {
        if let Some(why) = stopped(&c, last_progress.elapsed()) {
            return Err(Failure::Stopped(output(&c), why));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = c.coupons_generated;
        c = client.get_campaign(id).await?;
        if c.coupons_generated > before {
            last_progress = Instant::now();
        }
        eprintln!(
            "[{:>4.0}s] {} of {} codes",
            started.elapsed().as_secs_f64(),
            c.coupons_generated,
            target
        );
    }
    Ok(output(&c))
}

/// Why waiting for a campaign's codes is pointless, if it is: the server
/// makes none for a final campaign, and one that stalls (the code space used
/// up, a server failing to commit) would otherwise be waited for forever.
fn stopped(c: &Campaign, since_progress: Duration) -> Option<String> {
    let done = format!(
        "{} of {} codes generated",
        c.coupons_generated, c.generation_target
    );
    if c.status.is_final() {
        Some(format!(
            "generation stopped: campaign {} is {} ({done})",
            c.id,
            c.status.name()
        ))
    } else if since_progress >= STALL {
        Some(format!(
            "no new code in {} s ({done}): stopped waiting; the server keeps trying \
             in the background (`campaign get --id {}` shows progress)",
            STALL.as_secs(),
            c.id
        ))
    } else {
        None
    }
}

/// Streams every code, a page at a time, to stdout.
async fn export(client: &Client, id: u64, format: &str) -> Result<Output, Failure> {
    let csv = match format {
        "csv" => true,
        "jsonl" => false,
        other => return Err(Failure::Usage(format!("--format {other}: csv or jsonl"))),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match write_codes(client, id, csv, &mut out).await {
        Ok(written) => eprintln!("exported {written} codes"),
        // The reader stopped early (`| head`): that is its choice, not a failure.
        Err(Exported::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(Exported::Io(e)) => return Err(Failure::Usage(format!("writing the export: {e}"))),
        Err(Exported::Client(e)) => return Err(e.into()),
    }
    Ok(Output {
        json: Value::Null,
        text: String::new(),
    })
}

/// Why an export stopped short.
enum Exported {
    Io(std::io::Error),
    Client(ClientError),
}

/// Writes every code of campaign `id` to `out`; returns how many.
async fn write_codes(
    client: &Client,
    id: u64,
    csv: bool,
    out: &mut impl Write,
) -> Result<u64, Exported> {
    if csv {
        writeln!(out, "coupon_id,code,uses").map_err(Exported::Io)?;
    }
    let (mut after, mut written) = (0, 0u64);
    loop {
        let (page, next) = client
            .list_campaign_codes(id, after, 10_000)
            .await
            .map_err(Exported::Client)?;
        for c in &page {
            if csv {
                writeln!(out, "{},{},{}", c.coupon_id, csv_field(&c.code), c.uses)
            } else {
                let line = json!({ "coupon_id": c.coupon_id, "code": c.code, "uses": c.uses });
                writeln!(out, "{line}")
            }
            .map_err(Exported::Io)?;
        }
        written += page.len() as u64;
        if next == 0 {
            break;
        }
        after = next;
    }
    out.flush().map_err(Exported::Io)?;
    Ok(written)
}

/// A CSV field as RFC 4180 has it: quoted, with its quotes doubled, when it
/// holds a comma, a quote or a line break.
fn csv_field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// The flags given on create or update, over `spec`: the template's, the
/// generation rules', then the campaign's own.
fn apply_all(
    mut spec: CampaignSpec,
    campaign: &CampaignFields,
    rules: &RuleFields,
    template: &CouponFields,
    template_text: &TemplateText,
) -> Result<CampaignSpec, Failure> {
    spec.template = apply_fields(spec.template, template)?;
    apply_text(
        &mut spec.template,
        &template_text.name,
        &template_text.description,
    );
    spec.rules = apply_rules(spec.rules, rules)?;
    apply_campaign(spec, campaign)
}

fn apply_campaign(mut spec: CampaignSpec, f: &CampaignFields) -> Result<CampaignSpec, Failure> {
    if let Some(n) = &f.campaign_name {
        spec.name = n.clone();
    }
    if let Some(d) = &f.campaign_description {
        spec.description = d.clone();
    }
    if let Some(days) = f.validity_days {
        spec.validity_days = days;
    }
    if let Some(t) = &f.campaign_type {
        spec.campaign_type = CampaignType::from_name(t).ok_or_else(|| {
            Failure::Usage(format!(
                "--campaign-type {t}: BULK, TRIGGERED, PERSONALIZED or REFERRAL"
            ))
        })?;
    }
    if let Some(b) = &f.budget {
        if spec.template.currency.is_empty() {
            return Err(Failure::Usage("--budget needs --currency".into()));
        }
        spec.budget_limit = Some(money::parse(b, &spec.template.currency)?);
    }
    if let Some(l) = f.coupon_limit {
        spec.coupon_limit = Some(l);
    }
    if let Some(t) = &f.campaign_starts_at {
        spec.starts_at = Some(rfc3339("--campaign-starts-at", t)?);
    }
    if let Some(t) = &f.campaign_ends_at {
        spec.ends_at = Some(rfc3339("--campaign-ends-at", t)?);
    }
    if let Some(d) = &f.distribution {
        spec.distribution.method = DistributionMethod::from_name(d)
            .ok_or_else(|| Failure::Usage(format!("--distribution {d}: unknown method")))?;
    }
    if let Some(auto) = f.auto_distribute {
        spec.distribution.auto_distribute = auto;
    }
    if let Some(reward) = f.reward_campaign {
        spec.reward_campaign_id = (reward != 0).then_some(reward);
    }
    if let Some(b) = f.distribution_batch_size {
        spec.distribution.batch_size = b;
    }
    if let Some(r) = f.distribution_rate {
        spec.distribution.distribution_rate = r;
    }
    if let Some(s) = &f.audience_segments {
        spec.audience.segments = s.clone();
    }
    if let Some(c) = &f.audience_customers {
        spec.audience.customer_ids = c.clone();
    }
    Ok(spec)
}

fn apply_rules(mut rules: GenerationRules, f: &RuleFields) -> Result<GenerationRules, Failure> {
    if let Some(l) = f.length {
        rules.code_length = l;
    }
    if let Some(p) = &f.prefix {
        rules.prefix = p.clone();
    }
    if let Some(s) = &f.suffix {
        rules.suffix = s.clone();
    }
    if let Some(classes) = &f.charset {
        rules.include_letters = false;
        rules.include_digits = false;
        rules.include_special = false;
        for class in classes {
            match class.trim() {
                "letters" => rules.include_letters = true,
                "digits" => rules.include_digits = true,
                "special" => rules.include_special = true,
                other => {
                    return Err(Failure::Usage(format!(
                        "--charset {other}: letters, digits or special"
                    )))
                }
            }
        }
    }
    if f.allow_ambiguous {
        rules.exclude_ambiguous = false;
    }
    if let Some(c) = &f.check {
        rules.check = match c.as_str() {
            "none" => CodeCheck::None,
            "check-character" => CodeCheck::CheckCharacter,
            "mac" => CodeCheck::Mac,
            other => {
                return Err(Failure::Usage(format!(
                    "--check {other}: none, check-character or mac"
                )))
            }
        };
        rules.mac_length = if rules.check == CodeCheck::Mac {
            f.mac_length.unwrap_or(4)
        } else {
            0
        };
    }
    Ok(rules)
}

fn line(c: &Campaign) -> String {
    let cur = c.spec.template.currency.as_str();
    let budget = c.spec.budget_limit.map_or("no budget".to_string(), |b| {
        format!(
            "budget {} of {} {cur} used",
            money::format(c.budget_used, cur),
            money::format(b, cur)
        )
    });
    format!(
        "{} {} {}: {}, {} of {} codes generated, {} redemptions, {budget}",
        c.id,
        c.spec.name,
        c.status.name(),
        discount_text(&c.spec.template),
        c.coupons_generated,
        c.generation_target,
        c.redemptions
    )
}

fn output(c: &Campaign) -> Output {
    Output {
        json: campaign_json(c),
        text: format!("campaign {}", line(c)),
    }
}

/// The template as the seed shows it: a coupon spec with `validity_days`.
fn template_json(s: &CampaignSpec) -> Value {
    let mut template = json::coupon_spec(&s.template);
    if let Value::Object(fields) = &mut template {
        fields.insert("validity_days".into(), s.validity_days.into());
    }
    template
}

pub(crate) fn campaign_json(c: &Campaign) -> Value {
    let s = &c.spec;
    let cur = s.template.currency.as_str();
    let r = &s.rules;
    json!({
        "id": c.id,
        "revision": c.revision,
        "name": s.name,
        "description": s.description,
        "campaign_type": s.campaign_type.name(),
        "status": c.status.name(),
        "coupon_template": template_json(s),
        "generation_rules": {
            "code_length": r.code_length,
            "code_prefix": r.prefix,
            "code_suffix": r.suffix,
            "include_letters": r.include_letters,
            "include_numbers": r.include_digits,
            "include_special_chars": r.include_special,
            "exclude_ambiguous": r.exclude_ambiguous,
            "check": r.check.name(),
            "mac_length": r.mac_length,
        },
        "distribution_strategy": {
            "method": s.distribution.method.name(),
            "batch_size": s.distribution.batch_size,
            "distribution_rate": s.distribution.distribution_rate,
            "auto_distribute": s.distribution.auto_distribute,
        },
        "target_audience": {
            "segments": s.audience.segments,
            "customer_ids": s.audience.customer_ids,
            "include_new_customers": s.audience.include_new_customers,
            "exclude_recent_users": s.audience.exclude_recent_users,
        },
        "budget_limit": s.budget_limit.map(|b| json::amount(b, cur)),
        "budget_used": json::amount(c.budget_used, cur),
        "coupon_limit": s.coupon_limit,
        "reward_campaign_id": s.reward_campaign_id,
        "total_coupons_generated": c.coupons_generated,
        "generation_target": c.generation_target,
        "redemptions": c.redemptions,
        "start_date": s.starts_at.map(json::time),
        "end_date": s.ends_at.map(json::time),
        "created_at": json::time(c.created_at),
        "updated_at": json::time(c.updated_at),
        "created_by": c.created_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_stops_being_waited_for_when_final_or_stalled() {
        let c = Campaign {
            id: 7,
            status: CampaignStatus::Active,
            coupons_generated: 10,
            generation_target: 100,
            ..Campaign::default()
        };
        let second = Duration::from_secs(1);
        assert_eq!(stopped(&c, second), None);
        let stalled = stopped(&c, STALL).unwrap();
        assert!(
            stalled.starts_with("no new code in 60 s (10 of 100"),
            "{stalled}"
        );
        for status in [CampaignStatus::Cancelled, CampaignStatus::Completed] {
            let why = stopped(
                &Campaign {
                    status,
                    ..c.clone()
                },
                second,
            )
            .unwrap();
            assert!(why.contains(status.name()), "{why}");
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(csv_field("SPRING-AB12"), "SPRING-AB12");
        assert!(matches!(csv_field("SPRING-AB12"), Cow::Borrowed(_)));
        assert_eq!(csv_field(""), "");
        assert_eq!(csv_field("A,B"), r#""A,B""#);
        assert_eq!(csv_field(r#"say "hi""#), r#""say ""hi""""#);
        assert_eq!(csv_field("\""), r#""""""#);
        assert_eq!(csv_field("A\nB"), "\"A\nB\"");
        assert_eq!(csv_field("A\r\nB"), "\"A\r\nB\"");
    }
}
