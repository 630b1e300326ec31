//! `couponsd campaign distribute` and `couponsd campaign distribution
//! status|export`: recipients read from a file (CSV with a header, or JSON
//! lines) and sent 1,000 a request, progress on stderr; the outbox's counts;
//! every recipient's code and status as CSV.

use std::io::Write;
use std::path::Path;

use couponsd_client::wire::{Recipient, MAX_DISTRIBUTE_RECIPIENTS};
use couponsd_client::Client;
use serde_json::json;

use super::args::DistributionCommand;
use super::commands::{Failure, Output};

/// The columns a recipients file may have; customer_id is required.
const COLUMNS: [&str; 4] = ["customer_id", "email", "phone", "locale"];

pub async fn run(client: &Client, command: DistributionCommand) -> Result<Output, Failure> {
    match command {
        DistributionCommand::Status { campaign } => status(client, campaign).await,
        DistributionCommand::Export { campaign, out } => export(client, campaign, &out).await,
    }
}

pub async fn distribute(client: &Client, campaign: u64, path: &Path) -> Result<Output, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("--recipients {}: {e}", path.display())))?;
    let recipients = parse(&text)
        .map_err(|e| Failure::Usage(format!("--recipients {}: {e}", path.display())))?;
    let total = recipients.len();
    let (mut done, mut created, mut failed) = (0usize, 0usize, 0usize);
    for chunk in recipients.chunks(MAX_DISTRIBUTE_RECIPIENTS) {
        let entries = client.distribute(campaign, chunk.to_vec()).await?;
        done += entries.len();
        created += entries.iter().filter(|e| e.created).count();
        failed += entries
            .iter()
            .filter(|e| e.status == couponsd_client::wire::DeliveryStatus::Failed)
            .count();
        eprintln!("distribute: {done} of {total} recipients ({created} newly queued)");
    }
    Ok(Output {
        json: json!({
            "campaign_id": campaign,
            "recipients": total,
            "queued": created,
            "already_queued": total - created,
            "failed": failed,
        }),
        text: format!(
            "campaign {campaign}: {total} recipients, {created} newly queued, {} already queued, {failed} failed",
            total - created
        ),
    })
}

async fn status(client: &Client, campaign: u64) -> Result<Output, Failure> {
    let s = client.distribution_status(campaign, 0, 1).await?;
    let done = s.total - s.queued;
    let progress_percent = if s.total == 0 {
        100.0
    } else {
        done as f64 * 100.0 / s.total as f64
    };
    Ok(Output {
        json: json!({
            "campaign_id": campaign,
            "total": s.total,
            "queued": s.queued,
            "sent": s.sent,
            "failed": s.failed,
            "bounced": s.bounced,
            "redeemed": s.redeemed,
            "progress": format!("{progress_percent:.1}"),
        }),
        text: format!(
            "campaign {campaign}: {} recipients, queued {}, sent {}, failed {}, bounced {}, redeemed {} ({progress_percent:.1}% done)",
            s.total, s.queued, s.sent, s.failed, s.bounced, s.redeemed
        ),
    })
}

async fn export(client: &Client, campaign: u64, out: &Path) -> Result<Output, Failure> {
    let file = std::fs::File::create(out)
        .map_err(|e| Failure::Usage(format!("--out {}: {e}", out.display())))?;
    let mut writer = std::io::BufWriter::new(file);
    let write_error = |e: std::io::Error| Failure::Usage(format!("--out {}: {e}", out.display()));
    writeln!(writer, "customer_id,code,status").map_err(write_error)?;
    let mut after = 0;
    let mut rows = 0u64;
    loop {
        let page = client.distribution_status(campaign, after, 0).await?;
        for e in &page.entries {
            writeln!(
                writer,
                "{},{},{}",
                csv_field(&e.recipient.customer_id),
                csv_field(&e.code),
                e.status
            )
            .map_err(write_error)?;
            rows += 1;
        }
        if page.next_after == 0 {
            break;
        }
        after = page.next_after;
    }
    writer.flush().map_err(write_error)?;
    Ok(Output {
        json: json!({ "campaign_id": campaign, "rows": rows, "out": out.display().to_string() }),
        text: format!(
            "campaign {campaign}: {rows} recipients written to {}",
            out.display()
        ),
    })
}

/// A CSV field, quoted when it must be.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Recipients from a file's text: JSON lines if its first non-blank line
/// is an object, else CSV whose first line names the columns.
fn parse(text: &str) -> Result<Vec<Recipient>, String> {
    let first = text.lines().find(|l| !l.trim().is_empty());
    match first {
        None => Err("no recipients".into()),
        Some(line) if line.trim_start().starts_with('{') => parse_json_lines(text),
        Some(_) => parse_csv(text),
    }
}

fn parse_json_lines(text: &str) -> Result<Vec<Recipient>, String> {
    let mut recipients = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: {e}", index + 1))?;
        let field = |name: &str| -> Result<String, String> {
            match value.get(name) {
                None | Some(serde_json::Value::Null) => Ok(String::new()),
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
                Some(other) => Err(format!(
                    "line {}: {name} is {other}, not a string",
                    index + 1
                )),
            }
        };
        let recipient = Recipient {
            customer_id: field("customer_id")?,
            email: field("email")?,
            phone: field("phone")?,
            locale: field("locale")?,
        };
        if recipient.customer_id.is_empty() {
            return Err(format!("line {}: no customer_id", index + 1));
        }
        recipients.push(recipient);
    }
    Ok(recipients)
}

fn parse_csv(text: &str) -> Result<Vec<Recipient>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("no header line")?;
    let names = split_csv(header).map_err(|e| format!("line 1: {e}"))?;
    let mut at = [None; 4];
    for (position, name) in names.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(column) => at[column] = Some(position),
            None => {
                return Err(format!(
                    "line 1: unknown column {name:?} (columns: {})",
                    COLUMNS.join(", ")
                ))
            }
        }
    }
    if at[0].is_none() {
        return Err("line 1: no customer_id column".into());
    }
    let mut recipients = Vec::new();
    for (index, line) in lines {
        let fields = split_csv(line).map_err(|e| format!("line {}: {e}", index + 1))?;
        if fields.len() != names.len() {
            return Err(format!(
                "line {}: {} fields, the header names {}",
                index + 1,
                fields.len(),
                names.len()
            ));
        }
        let get =
            |column: usize| at[column].map_or(String::new(), |p| fields[p].trim().to_string());
        let recipient = Recipient {
            customer_id: get(0),
            email: get(1),
            phone: get(2),
            locale: get(3),
        };
        if recipient.customer_id.is_empty() {
            return Err(format!("line {}: no customer_id", index + 1));
        }
        recipients.push(recipient);
    }
    Ok(recipients)
}

/// One CSV line's fields (RFC 4180 quoting; a field never spans lines).
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field does not end".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_lines() {
        let csv =
            "customer_id,email,phone,locale\nann,ann@example.com,,en\n\"b,ob\",,+4915112345678,\n";
        let r = parse(csv).expect("csv");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].customer_id, "b,ob");
        assert_eq!(r[1].phone, "+4915112345678");
        let jsonl =
            "{\"customer_id\":\"ann\",\"email\":\"ann@example.com\"}\n{\"customer_id\":7}\n";
        let r = parse(jsonl).expect("json lines");
        assert_eq!(r[1].customer_id, "7");
        assert!(parse("customer_id,nope\nann,x\n").is_err());
        assert!(parse("email\nann@example.com\n").is_err());
        assert!(parse("customer_id,email\nann\n").is_err());
    }
}
