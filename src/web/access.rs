//! Who may use a route. Deny by default: a handler that serves staff takes `RequireRole<A>`
//! and names the roles `A` admits; the route table records the same rule, and an integration
//! test walks the table and checks each route refuses everyone else.

use crate::domain::staff::Role;

/// The rule a route declares in the route table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRule {
    /// No sign-in (login page, health check, static files).
    Public,
    /// Machine endpoints authenticated by bearer token or signature, never by cookie.
    Machine,
    /// Signed-in staff with one of these roles.
    Staff(&'static [Role]),
}

/// A set of roles, as a type so handlers can name it in `RequireRole<A>`.
pub trait Access: 'static {
    const ROLES: &'static [Role];
}

/// Anything a route may declare.
pub trait RouteAccess {
    const RULE: AccessRule;
}

impl<A: Access> RouteAccess for A {
    const RULE: AccessRule = AccessRule::Staff(A::ROLES);
}

pub struct Public;
impl RouteAccess for Public {
    const RULE: AccessRule = AccessRule::Public;
}

pub struct Machine;
impl RouteAccess for Machine {
    const RULE: AccessRule = AccessRule::Machine;
}

macro_rules! role_set {
    ($(#[$doc:meta])* $name:ident => [$($role:ident),+]) => {
        role_set!($(#[$doc])* $name => &[$(Role::$role),+]);
    };
    ($(#[$doc:meta])* $name:ident => $roles:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl Access for $name {
            const ROLES: &'static [Role] = $roles;
        }
    };
}

role_set!(/// Every signed-in member of staff.
    AnyStaff => &Role::ALL);
role_set!(/// Review work; supervisors may do all a reviewer may.
    Reviewers => &Role::REVIEWERS);
role_set!(/// Four-eyes decisions and reassigning claims.
    Supervisors => [Supervisor]);
role_set!(/// The support center (lost phones).
    SupportDesk => [Support, Supervisor]);
role_set!(/// Who looks holders up (support, review, auditors).
    HolderViewers => &Role::HOLDER_VIEWERS);
role_set!(/// Read-only compliance work.
    Auditors => [Auditor]);
role_set!(/// Staff accounts and settings; no handbook data.
    Admins => [Admin]);
role_set!(/// Who may open handbook photos (special-care personal data).
    ImageViewers => &Role::PHOTO_VIEWERS);
