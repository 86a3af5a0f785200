//! Load on the running console: many signed-in clients on keep-alive connections, each
//! request timed. Plain HTTP/1.1 over `std::net`, so the benchmark measures the server, not a
//! client library.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Client {
    reader: BufReader<TcpStream>,
    host: String,
    cookie: String,
}

struct Response {
    status: u16,
    location: String,
    body: String,
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

impl Client {
    fn connect(host: &str) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(host)?;
        stream.set_nodelay(true)?;
        Ok(Self { reader: BufReader::new(stream), host: host.to_owned(), cookie: String::new() })
    }

    /// One request; a connection the server closed while this client sat idle (keep-alive
    /// ends after a few seconds, as between two runs) is opened again once.
    fn request(&mut self, method: &str, path: &str, form: Option<&str>) -> anyhow::Result<Response> {
        match self.exchange(method, path, form) {
            Ok(response) => Ok(response),
            Err(_) => {
                let stream = TcpStream::connect(&self.host)?;
                stream.set_nodelay(true)?;
                self.reader = BufReader::new(stream);
                self.exchange(method, path, form)
            }
        }
    }

    fn exchange(&mut self, method: &str, path: &str, form: Option<&str>) -> anyhow::Result<Response> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: keep-alive\r\n", self.host);
        if !self.cookie.is_empty() {
            head.push_str(&format!("Cookie: {}\r\n", self.cookie));
        }
        if let Some(body) = form {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        } else {
            head.push_str("\r\n");
        }
        self.reader.get_mut().write_all(head.as_bytes())?;
        let mut line = String::new();
        anyhow::ensure!(self.reader.read_line(&mut line)? > 0, "connection closed");
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        let mut location = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "location" => location = value.trim().to_owned(),
                "set-cookie" => {
                    if let Some(pair) = value.trim().split(';').next() {
                        self.cookie = pair.to_owned();
                    }
                }
                _ => {}
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok(Response { status, location, body: String::from_utf8_lossy(&body).into_owned() })
    }

    fn csrf(body: &str) -> String {
        body.split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_owned()
    }

    fn sign_in(host: &str, email: &str, password: &str) -> anyhow::Result<(Self, String)> {
        let mut client = Self::connect(host)?;
        let page = client.request("GET", "/login", None)?;
        let token = Self::csrf(&page.body);
        let done = client.request(
            "POST",
            "/login",
            Some(&form_encode(&[("csrf_token", &token), ("email", email), ("password", password)])),
        )?;
        anyhow::ensure!(done.status == 303, "sign-in as {email} failed (status {})", done.status);
        let page = client.request("GET", "/queue", None)?;
        anyhow::ensure!(page.status == 200, "queue page answered {}", page.status);
        let token = Self::csrf(&page.body);
        Ok((client, token))
    }
}

pub struct Options {
    /// One or more consoles (nodes behind one balancer): clients are dealt to them in turn.
    pub hosts: Vec<String>,
    pub email: String,
    pub password: String,
    /// Each shape runs once per count, so the report shows how throughput grows with clients.
    pub clients: Vec<usize>,
    pub seconds: u64,
    /// Only the shapes whose name contains this.
    pub only: Option<String>,
}

/// A spread over the first million, so each request reads its own rows (one repeated
/// search measures the page cache, not the query).
fn spread(step: u64) -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(step, std::sync::atomic::Ordering::Relaxed)
}

/// The next bulk-seed holder to search for.
fn next_holder() -> u64 {
    spread(7919) % 1_000_000 + 1
}

/// What a reviewer types to find a person: the family name and the start of the given name,
/// as kana or as written, drawn from the names the seed gives its holders.
fn person_prefix(kana: bool) -> String {
    use crate::demo::people::{FAMILY_NAMES, GIVEN_NAMES};
    let n = spread(7) as usize;
    let (family, family_kana) = FAMILY_NAMES[n % FAMILY_NAMES.len()];
    let (given, given_kana) = GIVEN_NAMES[(n / FAMILY_NAMES.len()) % GIVEN_NAMES.len()];
    let (family, given) = if kana { (family_kana, given_kana) } else { (family, given) };
    format!("{family}{}", given.chars().next().unwrap_or_default())
}

fn queue_search(q: &str) -> String {
    format!("/queue?{}", form_encode(&[("q", q)]))
}

/// One request of a scenario: returns the HTTP status (599 when the answer proves nothing).
type Step = dyn Fn(&mut Client, &str) -> anyhow::Result<u16> + Sync;

/// One scenario: every client repeats `step` until the time is up.
fn scenario(clients: &mut [(Client, String)], seconds: u64, step: &Step) -> anyhow::Result<(Vec<Duration>, usize)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let results: Vec<anyhow::Result<(Vec<Duration>, usize)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter_mut()
            .map(|(client, token)| {
                scope.spawn(move || -> anyhow::Result<(Vec<Duration>, usize)> {
                    let mut samples = Vec::new();
                    let mut errors = 0;
                    while Instant::now() < deadline {
                        let started = Instant::now();
                        let status = step(client, token)?;
                        samples.push(started.elapsed());
                        if status >= 400 {
                            errors += 1;
                        }
                    }
                    Ok((samples, errors))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("client thread panicked"))))
            .collect()
    });
    let mut all = Vec::new();
    let mut errors = 0;
    for result in results {
        let (samples, e) = result?;
        all.extend(samples);
        errors += e;
    }
    Ok((all, errors))
}

/// The shapes: the query-plan guard's lists and searches, then the screens a reviewer opens.
fn shapes() -> Vec<(&'static str, Box<Step>)> {
    vec![
        ("GET /queue", Box::new(|c: &mut Client, _: &str| Ok(c.request("GET", "/queue", None)?.status))),
        (
            "GET /queue?status=submitted&kind=mental",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", "/queue?status=submitted&kind=mental", None)?.status)
            }),
        ),
        (
            "GET /queue?status=approved&kind=physical",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", "/queue?status=approved&kind=physical", None)?.status)
            }),
        ),
        (
            "POST /queue/take (take next)",
            Box::new(|c: &mut Client, token: &str| {
                let response =
                    c.request("POST", "/queue/take", Some(&form_encode(&[("csrf_token", token), ("kind", "")])))?;
                // Only a real claim counts: an empty queue answers quickly and proves nothing.
                Ok(if response.location.starts_with("/registrations/") { response.status } else { 599 })
            }),
        ),
        // Holder searches over the bulk seed's IDs (`BK-00000001` …): by public ID (an exact hit
        // redirects to the profile) and by address; each search is also audited.
        (
            "GET /holders?q=<public ID>",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &format!("/holders?q=BK-{:08}", next_holder()), None)?.status)
            }),
        ),
        (
            "GET /holders?q=<e-mail>",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &format!("/holders?q=bk{}%40example.invalid", next_holder()), None)?.status)
            }),
        ),
        // Queue searches from the default tab (each audited): the seed's numbers are
        // 1000000 + 3 × holder + kind.
        (
            "GET /queue?q=<handbook number>",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &queue_search(&(1_000_000 + 3 * next_holder()).to_string()), None)?.status)
            }),
        ),
        (
            "GET /queue?q=<public ID>",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &queue_search(&format!("BK-{:08}", next_holder())), None)?.status)
            }),
        ),
        (
            "GET /queue?q=<e-mail>",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &queue_search(&format!("bk{}@example.invalid", next_holder())), None)?.status)
            }),
        ),
        (
            "GET /queue?q=<kana prefix>",
            Box::new(|c: &mut Client, _: &str| Ok(c.request("GET", &queue_search(&person_prefix(true)), None)?.status)),
        ),
        (
            "GET /queue?q=<name prefix>",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &queue_search(&person_prefix(false)), None)?.status)
            }),
        ),
        ("GET / (dashboard)", Box::new(|c: &mut Client, _: &str| Ok(c.request("GET", "/", None)?.status))),
        // The seed's holder n has id n and registrations 2n-1 (approved) and 2n; each view is
        // audited.
        (
            "GET /holders/<id> (profile)",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &format!("/holders/{}", next_holder()), None)?.status)
            }),
        ),
        (
            "GET /registrations/<id> (review screen)",
            Box::new(|c: &mut Client, _: &str| {
                Ok(c.request("GET", &format!("/registrations/{}", 2 * next_holder() - 1), None)?.status)
            }),
        ),
    ]
}

/// Runs every shape at every client count and writes one line per run as it ends, then how
/// far the last count's throughput is from the first's.
pub fn run(options: &Options, out: &mut dyn Write) -> anyhow::Result<()> {
    let most = options.clients.iter().copied().max().unwrap_or(1);
    let mut clients = Vec::with_capacity(most);
    if options.hosts.is_empty() {
        anyhow::bail!("no --target to run against");
    }
    for n in 0..most {
        let host = &options.hosts[n % options.hosts.len()];
        clients.push(Client::sign_in(host, &options.email, &options.password)?);
    }
    writeln!(out, "{} s per run, against {}", options.seconds, options.hosts.join(" and "))?;
    writeln!(out, "{:<44} {:>7} {:>8} {:>8} {:>8} {:>6}", "shape", "clients", "req/s", "p50 ms", "p99 ms", "errors")?;
    for (name, step) in shapes() {
        if options.only.as_deref().is_some_and(|only| !name.contains(only)) {
            continue;
        }
        let mut rates = Vec::new();
        for &count in &options.clients {
            let (samples, errors) = scenario(&mut clients[..count], options.seconds, step.as_ref())?;
            let rate = samples.len() as f64 / options.seconds as f64;
            let (p50, p99) = super::percentiles(samples);
            let label = if rates.is_empty() { name } else { "" };
            writeln!(out, "{label:<44} {count:>7} {rate:>8.0} {p50:>8.1} {p99:>8.1} {errors:>6}")?;
            rates.push(rate);
        }
        if let (Some(first), Some(last), true) = (rates.first(), rates.last(), rates.len() > 1) {
            writeln!(out, "{:<44} {:>7} {:>7.2}×", "", "scaling", last / first.max(f64::MIN_POSITIVE))?;
        }
    }
    Ok(())
}
