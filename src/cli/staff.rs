//! `staff add`.

use std::io::{BufRead, IsTerminal};

use super::{audit_tools, pool};
use crate::audit::Actor;
use crate::clock::SharedClock;
use crate::domain::staff::{NewPassword, Role, StaffEmail};
use crate::services::accounts::manage::{self, NewAccount};

/// Creates an account; the password is read from stdin.
pub(super) fn add(clock: SharedClock, email: &str, name: &str, role: &str) -> anyhow::Result<()> {
    let email = StaffEmail::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let role = Role::parse(role)
        .ok_or_else(|| anyhow::anyhow!("--role must be one of reviewer, supervisor, support, auditor, admin"))?;
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "--name must not be empty");
    let password = read_password()?;
    let password = NewPassword::parse(&password, Some(&email)).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let pool = pool()?;
    let (keys, _) = audit_tools()?;
    let account = NewAccount { email: &email, display_name: name, role, password: &password, temporary: false };
    let created = manage::create(&mut *pool.get()?, &keys, Actor::Cli, &account, clock.now(), None)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("created staff #{} ({role})", created.id);
    Ok(())
}

/// One line from stdin, without the newline. Prompts only when a person is typing.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
