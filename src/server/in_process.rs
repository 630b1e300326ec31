//! A protocol request run inside the process exactly as a connection runs
//! one: the role checked from the opcode, then `dispatch` (input
//! validation, the guessing screen, reads from the state, mutations through
//! the writer and Raft), with the same answer or typed error. The console's
//! API (`http::console`) is built on it, so it holds no business logic.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use couponsd_client::wire::{opcode, Request, Response};

use super::auth::{Caller, Role};
use super::dispatch::{self, Dispatched};
use super::Shared;
use crate::error::{Error, Result};

/// Runs `request` for `caller`; the answer a connection would have sent.
pub async fn run(shared: &Arc<Shared>, caller: &Caller, request: Request) -> Result<Response> {
    let op = request.opcode();
    let started = Instant::now();
    crate::metrics::request_started();
    let result = run_counted(shared, caller, request).await;
    crate::metrics::request_answered(op, &result, started.elapsed());
    result
}

async fn run_counted(shared: &Arc<Shared>, caller: &Caller, request: Request) -> Result<Response> {
    let op = request.opcode();
    let required = Role::required_for(op).ok_or(Error::UnknownOpcode(op))?;
    if caller.principal.role < required {
        return Err(Error::PermissionDenied(format!(
            "role {} may not use {}",
            caller.principal.role.name(),
            opcode::name(op).unwrap_or("this opcode")
        )));
    }
    // Long reads take their turn with the connections' (one per core).
    let _long_read = if dispatch::reads_long(op) {
        let permit = shared.long_reads.clone().acquire_owned().await;
        Some(permit.map_err(|_| Error::ShuttingDown)?)
    } else {
        None
    };
    let dispatched = std::panic::catch_unwind(AssertUnwindSafe(|| {
        dispatch::dispatch(shared, caller, request)
    }))
    .unwrap_or_else(|_| {
        tracing::error!(opcode = op, "in-process request panicked");
        Err(Error::Panicked).into()
    });
    match dispatched {
        Dispatched::Answer(result) => result,
        Dispatched::Mutation(mutation) => shared.node.submit(mutation).await,
        Dispatched::Linearizable(read) => {
            shared.node.confirm_read().await?;
            dispatch::answer(shared, read)
        }
        // Raft traffic, membership changes and backups come only from the
        // nodes and the CLI, never from inside the process.
        Dispatched::Raft { .. }
        | Dispatched::Snapshot { .. }
        | Dispatched::Membership(_)
        | Dispatched::Backup(_) => Err(Error::invalid(
            "opcode",
            format!(
                "{} is not run in-process",
                opcode::name(op).unwrap_or("this opcode")
            ),
        )),
    }
}
