//! Who acts, and when: what every service call of a member of staff carries into its
//! transaction and its audit event.

use time::OffsetDateTime;

use crate::audit::AuditKeys;
use crate::domain::staff::Role;

#[derive(Clone, Copy)]
pub struct Acting<'a> {
    pub staff_id: i64,
    pub role: Role,
    pub now: OffsetDateTime,
    pub request_id: Option<&'a str>,
    /// The keys that seal the action's audit event.
    pub audit: &'a AuditKeys,
}
