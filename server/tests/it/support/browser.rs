//! A browser stand-in for the real server: keeps the session cookie, calls server functions
//! as the hydrated page does, posts forms as a page without JavaScript does.

use app::error::AppError;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, ORIGIN, REFERER, SET_COOKIE};

use super::TestServer;

/// A browser stand-in that keeps the session cookie and calls server functions as the
/// hydrated page does (form-encoded arguments, JSON reply).
pub struct Browser {
    http: reqwest::Client,
    base: String,
    pub cookie: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn error(&self) -> AppError {
        assert!(
            self.status.is_client_error() || self.status.is_server_error(),
            "{} {}",
            self.status,
            self.body
        );
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("typed error expected ({e}): {}", self.body))
    }

    /// Where the reply redirects to, if anywhere.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(LOCATION)
            .or_else(|| {
                self.headers
                    .get("serverfnredirect")
                    .and(self.headers.get(LOCATION))
            })
            .map(|v| v.to_str().unwrap().to_string())
    }
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        Browser::at(&server.base)
    }

    /// A browser for a server at `base` (`http://127.0.0.1:port`), e.g. a spawned binary.
    pub fn at(base: &str) -> Browser {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A reply that never comes fails the test instead of hanging the suite.
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Browser {
            http,
            base: base.to_string(),
            cookie: None,
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Reply {
        let req = match &self.cookie {
            Some(c) => req.header(COOKIE, format!("omnibots_session={c}")),
            None => req,
        };
        let res = req.send().await.expect("the server answers");
        for v in res.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            if let Some(rest) = v.strip_prefix("omnibots_session=") {
                let token = rest.split(';').next().unwrap();
                self.cookie = (!token.is_empty()).then(|| token.to_string());
            }
        }
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    /// Calls a server function the way the hydrated page does (a browser sends the page's
    /// `Origin` with every POST).
    pub async fn call(&mut self, endpoint: &str, args: &[(&str, &str)]) -> Reply {
        let req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header(ACCEPT, "application/json")
            .header(ORIGIN, &self.base)
            .form(args);
        self.send(req).await
    }

    /// Calls a server function that takes JSON (the user-management ones).
    pub async fn call_json(&mut self, endpoint: &str, args: serde_json::Value) -> Reply {
        let req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header(ACCEPT, "application/json")
            .header(ORIGIN, &self.base)
            .json(&args);
        self.send(req).await
    }

    /// Sends `req` (built on [`Browser::client`]) with the session cookie, and keeps any new
    /// cookie: for requests the helpers above do not make.
    pub async fn send_raw(&mut self, req: reqwest::RequestBuilder) -> Reply {
        self.send(req).await
    }

    /// The HTTP client and the server's base URL, to build requests by hand.
    pub fn client(&self) -> (&reqwest::Client, &str) {
        (&self.http, &self.base)
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_form(
        &mut self,
        endpoint: &str,
        args: &[(&str, &str)],
        referer: &str,
    ) -> Reply {
        let req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(REFERER, format!("{}{referer}", self.base))
            .form(args);
        self.send(req).await
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .header(ACCEPT, "text/html");
        self.send(req).await
    }

    pub async fn sign_in(&mut self, workspace: &str, email: &str, password: &str) -> Reply {
        self.call(
            "sign_in",
            &[
                ("workspace", workspace),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn stats(&mut self) -> Reply {
        self.call("user_stats", &[]).await
    }
}
