//! The frame around every staff page: who is signed in, the menu for their role, the CSRF
//! token for forms, and asset URLs.

use super::assets;
use super::auth::CurrentStaff;
use crate::domain::staff::Role;

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The menu. Each entry lists the roles that see it; the routes behind them check the same.
const MENU: &[(&str, &str, &[Role])] = &[
    ("ダッシュボード", "/", &Role::ALL),
    ("審査キュー", "/queue", &Role::REVIEWERS),
    ("代理登録・郵送受付", "/registrations/new", &Role::REVIEWERS),
    ("マイナポータル照会", "/myna/requests", &Role::REVIEWERS),
    ("利用者検索", "/holders", &Role::HOLDER_VIEWERS),
    ("端末紛失の受付", "/support/lost-device", &[Role::Support, Role::Supervisor]),
    ("問い合わせの記録", "/support/contacts", &[Role::Support, Role::Supervisor]),
    ("本人からの請求", "/requests", &[Role::Support, Role::Supervisor]),
    ("処分の承認", "/sanctions", &[Role::Supervisor]),
    ("訂正の承認", "/corrections", &[Role::Supervisor]),
    ("作業リスト", "/worklists", &[Role::Supervisor]),
    ("監査ログ", "/audit", &[Role::Auditor]),
    ("スタッフ管理", "/staff", &[Role::Admin]),
    ("規約・ポリシーの版", "/documents", &[Role::Admin]),
];

pub struct Layout {
    pub title: String,
    pub staff_name: Option<String>,
    pub role_label: &'static str,
    pub csrf_token: String,
    pub nav: Vec<NavItem>,
    pub notice: Option<String>,
    pub css: String,
    pub js: String,
}

impl Layout {
    pub fn for_staff(staff: &CurrentStaff, title: impl Into<String>, current: &str) -> Self {
        let nav = MENU
            .iter()
            .filter(|(_, _, roles)| roles.contains(&staff.role))
            .map(|(label, href, _)| NavItem { label, href, current: *href == current })
            .collect();
        Self {
            title: title.into(),
            staff_name: Some(staff.display_name.clone()),
            role_label: staff.role.label(),
            csrf_token: staff.csrf_token.clone(),
            nav,
            notice: super::session::take_notice(&staff.session),
            css: assets::url("app.css"),
            js: assets::url("app.js"),
        }
    }

    /// Pages before sign-in (login, TOTP enrolment, error pages for anonymous visitors).
    pub fn anonymous(title: impl Into<String>, csrf_token: String, notice: Option<String>) -> Self {
        Self {
            title: title.into(),
            staff_name: None,
            role_label: "",
            csrf_token,
            nav: Vec::new(),
            notice,
            css: assets::url("app.css"),
            js: assets::url("app.js"),
        }
    }
}
