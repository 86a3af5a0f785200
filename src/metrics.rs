//! Prometheus metrics of one instance: requests by route template, latency, the pool, and the
//! work that waits (read from the database at scrape time).
//!
//! Labels carry route templates (`/registrations/{id}`), methods and statuses only: never a
//! path as sent, an id or anything a person typed.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use time::PrimitiveDateTime;

use crate::db::gauges::Gauges;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// The route label of a request no route matched: one value, whatever was asked for.
pub const UNMATCHED: &str = "unmatched";

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    /// Requests waiting for a database connection right now.
    pub db_waiting: Gauge,
    db_in_use: Gauge,
    db_idle: Gauge,
    db_max: Gauge,
    queue_depth: Gauge,
    queue_oldest_seconds: Gauge,
    outbox_pending: Gauge,
    outbox_failed: Gauge,
    myna_waiting: Gauge,
    audit_chain_length: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("handbook_admin");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by route template and status", requests.clone());
        // 1 ms to about 16 s: the console's targets are tens of milliseconds, uploads seconds.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        registry.register("http_request_duration_seconds", "Time to answer, by route template", latency.clone());
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        Self {
            db_waiting: gauge(&mut registry, "db_pool_waiting", "Requests waiting for a database connection"),
            db_in_use: gauge(&mut registry, "db_pool_in_use", "Database connections in use"),
            db_idle: gauge(&mut registry, "db_pool_idle", "Database connections open and idle"),
            db_max: gauge(&mut registry, "db_pool_max", "Database connections the pool may open"),
            queue_depth: gauge(&mut registry, "review_queue_depth", "Registrations waiting for a reviewer"),
            queue_oldest_seconds: gauge(
                &mut registry,
                "review_queue_oldest_seconds",
                "How long the longest-waiting registration has waited",
            ),
            outbox_pending: gauge(&mut registry, "notices_pending", "Notices to holders waiting to be sent"),
            outbox_failed: gauge(&mut registry, "notices_failed", "Notices to holders given up on"),
            myna_waiting: gauge(
                &mut registry,
                "myna_requests_waiting",
                "Myna Portal requests waiting for the operating window or a retry",
            ),
            audit_chain_length: gauge(&mut registry, "audit_chain_length", "Events in the audit chain"),
            registry,
            requests,
            latency,
        }
    }

    /// Counts one answered request. `route` is the matched template or [`UNMATCHED`].
    pub fn observe(&self, method: &actix_web::http::Method, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests.get_or_create(&RequestLabels { method, route: route.to_owned(), status }).inc();
        self.latency.get_or_create(&RouteLabels { method, route: route.to_owned() }).observe(seconds);
    }

    pub fn set_pool(&self, connections: u32, idle: u32, max: u32) {
        self.db_in_use.set(i64::from(connections.saturating_sub(idle)));
        self.db_idle.set(i64::from(idle));
        self.db_max.set(i64::from(max));
    }

    pub fn set_gauges(&self, gauges: &Gauges, now: PrimitiveDateTime) {
        self.queue_depth.set(gauges.queue_depth);
        self.queue_oldest_seconds.set(gauges.queue_oldest.map_or(0, |t| (now - t).whole_seconds().max(0)));
        self.outbox_pending.set(gauges.outbox_pending);
        self.outbox_failed.set(gauges.outbox_failed);
        self.myna_waiting.set(gauges.myna_waiting);
        self.audit_chain_length.set(gauges.audit_chain_length);
    }

    /// The registry in the text format Prometheus scrapes (OpenMetrics).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// A method as a label: the methods the console serves, anything else as one value.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts a request waiting for a connection while it lives: a request dropped while waiting
/// (the client went away) still leaves the gauge.
pub struct Waiting<'a>(&'a Gauge);

impl<'a> Waiting<'a> {
    pub fn new(gauge: &'a Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_template_and_the_text_names_no_path() {
        let metrics = Metrics::new();
        metrics.observe(&actix_web::http::Method::GET, "/registrations/{id}", 200, 0.004);
        metrics.observe(&actix_web::http::Method::GET, "/registrations/{id}", 200, 0.020);
        metrics.observe(&actix_web::http::Method::PATCH, UNMATCHED, 404, 0.001);
        let text = metrics.encode().unwrap_or_default();
        assert!(
            text.contains(
                r#"handbook_admin_http_requests_total{method="GET",route="/registrations/{id}",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"method="other",route="unmatched",status="404""#), "{text}");
        assert!(text.contains("handbook_admin_http_request_duration_seconds_bucket"), "{text}");
    }

    #[test]
    fn the_oldest_wait_is_measured_from_now_and_never_negative() {
        let metrics = Metrics::new();
        let now = time::macros::datetime!(2026-11-26 12:00);
        let gauges = Gauges {
            queue_depth: 3,
            queue_oldest: Some(time::macros::datetime!(2026-11-26 11:00)),
            ..Gauges::default()
        };
        metrics.set_gauges(&gauges, now);
        assert!(metrics.encode().unwrap_or_default().contains("handbook_admin_review_queue_oldest_seconds 3600"));
        metrics.set_gauges(&Gauges { queue_oldest: Some(time::macros::datetime!(2026-11-26 13:00)), ..gauges }, now);
        assert!(metrics.encode().unwrap_or_default().contains("handbook_admin_review_queue_oldest_seconds 0"));
    }

    #[test]
    fn a_dropped_wait_leaves_the_gauge() {
        let metrics = Metrics::new();
        {
            let _a = Waiting::new(&metrics.db_waiting);
            let _b = Waiting::new(&metrics.db_waiting);
            assert_eq!(metrics.db_waiting.get(), 2);
        }
        assert_eq!(metrics.db_waiting.get(), 0);
    }
}
