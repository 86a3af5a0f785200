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

    fn request(&mut self, method: &str, path: &str, form: Option<&str>) -> anyhow::Result<Response> {
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
        self.reader.read_line(&mut line)?;
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
    pub host: String,
    pub email: String,
    pub password: String,
    pub clients: usize,
    pub seconds: u64,
}

/// The next bulk-seed holder to search for, spread over the first million.
fn next_holder() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(7919, std::sync::atomic::Ordering::Relaxed) % 1_000_000 + 1
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

pub fn run(options: &Options) -> anyhow::Result<String> {
    let mut clients = Vec::with_capacity(options.clients);
    for _ in 0..options.clients {
        clients.push(Client::sign_in(&options.host, &options.email, &options.password)?);
    }
    let mut report =
        vec![format!("{} clients, {} s per scenario, against {}", options.clients, options.seconds, options.host)];
    let scenarios: [(&str, &Step); 12] = [
        ("GET /queue", &|c: &mut Client, _: &str| Ok(c.request("GET", "/queue", None)?.status)),
        ("GET /queue?status=submitted&kind=mental", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", "/queue?status=submitted&kind=mental", None)?.status)
        }),
        ("POST /queue/take (take next)", &|c: &mut Client, token: &str| {
            let response =
                c.request("POST", "/queue/take", Some(&form_encode(&[("csrf_token", token), ("kind", "")])))?;
            // Only a real claim counts: an empty queue answers quickly and proves nothing.
            Ok(if response.location.starts_with("/registrations/") { response.status } else { 599 })
        }),
        // Holder searches over the bulk seed's IDs (`BK-00000001` …): by public ID (an exact hit
        // redirects to the profile) and by address; each search is also audited.
        ("GET /holders?q=<public ID>", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", &format!("/holders?q=BK-{:08}", next_holder()), None)?.status)
        }),
        ("GET /holders?q=<e-mail>", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", &format!("/holders?q=bk{}%40example.invalid", next_holder()), None)?.status)
        }),
        // Queue searches from the default tab (each audited): the seed's numbers are
        // 1000000 + 3 × holder + kind; its readings and names skew toward the common ones.
        ("GET /queue?q=<handbook number>", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", &format!("/queue?q={}", 1_000_000 + 3 * next_holder()), None)?.status)
        }),
        ("GET /queue?q=<public ID>", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", &format!("/queue?q=BK-{:08}", next_holder()), None)?.status)
        }),
        ("GET /queue?q=<kana prefix タカハ>", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", "/queue?q=%E3%82%BF%E3%82%AB%E3%83%8F", None)?.status)
        }),
        ("GET /queue?q=<name prefix 高橋>", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", "/queue?q=%E9%AB%98%E6%A9%8B", None)?.status)
        }),
        ("GET / (dashboard)", &|c: &mut Client, _: &str| Ok(c.request("GET", "/", None)?.status)),
        // The seed's holder n has id n and registrations 2n-1 (approved) and 2n; each view is
        // audited.
        ("GET /holders/<id> (profile)", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", &format!("/holders/{}", next_holder()), None)?.status)
        }),
        ("GET /registrations/<id> (review screen)", &|c: &mut Client, _: &str| {
            Ok(c.request("GET", &format!("/registrations/{}", 2 * next_holder() - 1), None)?.status)
        }),
    ];
    for (name, step) in scenarios {
        let (samples, errors) = scenario(&mut clients, options.seconds, step)?;
        let rate = samples.len() as f64 / options.seconds as f64;
        report.push(format!("{name:<42} {} ({rate:.0} req/s, {errors} errors)", super::summary(samples)));
    }
    Ok(report.join("\n"))
}
