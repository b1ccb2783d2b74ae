//! Vendor cursors: what a connector puts in `page.next-cursor` and gets back in
//! `list-query.cursor`. The host seals cursors before clients see them, so these encodings are
//! private to the connector; a cursor that does not decode is `invalid-request` (field
//! `cursor`).
//!
//! | system paging | type | encoding |
//! |---|---|---|
//! | opaque cursor/token (MaintainX `nextCursor`) | [`TokenCursor`] | `c:<token>` |
//! | offset/limit (UpKeep, NetSuite, Fiix) | [`OffsetCursor`] | `o:100` |
//! | page number (Limble, Maximo `pageno`) | [`PageCursor`] | `p:3` |
//! | next link (OData `__next`, Maximo `nextPage.href`) | [`LinkCursor`] | `l:<url>` |
//!
//! [`Cursor`] decodes any of them.

use crate::{ConnectionContext, ConnectorError};

fn bad(cursor: &str, why: &str) -> ConnectorError {
    ConnectorError::invalid_field("cursor", format!("invalid cursor {cursor:?}: {why}"))
}

/// Any of the cursor kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Token(String),
    Offset(u64),
    Page(u64),
    Link(String),
}

impl Cursor {
    pub fn encode(&self) -> String {
        match self {
            Cursor::Token(t) => format!("c:{t}"),
            Cursor::Offset(o) => format!("o:{o}"),
            Cursor::Page(p) => format!("p:{p}"),
            Cursor::Link(l) => format!("l:{l}"),
        }
    }

    pub fn decode(s: &str) -> Result<Cursor, ConnectorError> {
        let (kind, rest) = s.split_once(':').ok_or_else(|| bad(s, "no kind prefix"))?;
        let number = || rest.parse::<u64>().map_err(|_| bad(s, "not a number"));
        match kind {
            "c" if !rest.is_empty() => Ok(Cursor::Token(rest.to_owned())),
            "o" => Ok(Cursor::Offset(number()?)),
            "p" => Ok(Cursor::Page(number()?)),
            "l" if !rest.is_empty() => Ok(Cursor::Link(rest.to_owned())),
            _ => Err(bad(s, "unknown kind")),
        }
    }
}

/// An opaque continuation token from the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCursor {
    pub token: String,
}

impl TokenCursor {
    pub fn new(token: impl Into<String>) -> Self {
        TokenCursor {
            token: token.into(),
        }
    }

    pub fn encode(&self) -> String {
        Cursor::Token(self.token.clone()).encode()
    }

    /// `None` for the first page.
    pub fn decode(cursor: Option<&str>) -> Result<Option<TokenCursor>, ConnectorError> {
        match cursor {
            None => Ok(None),
            Some(s) => match Cursor::decode(s)? {
                Cursor::Token(token) => Ok(Some(TokenCursor { token })),
                _ => Err(bad(s, "expected a token cursor")),
            },
        }
    }

    /// The next cursor from the system's continuation token (`None` or empty: last page).
    pub fn next(token: Option<&str>) -> Option<String> {
        token
            .filter(|t| !t.is_empty())
            .map(|t| TokenCursor::new(t).encode())
    }
}

/// Offset/limit paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OffsetCursor {
    pub offset: u64,
}

impl OffsetCursor {
    pub fn encode(&self) -> String {
        Cursor::Offset(self.offset).encode()
    }

    /// Offset 0 for the first page.
    pub fn decode(cursor: Option<&str>) -> Result<OffsetCursor, ConnectorError> {
        match cursor {
            None => Ok(OffsetCursor { offset: 0 }),
            Some(s) => match Cursor::decode(s)? {
                Cursor::Offset(offset) => Ok(OffsetCursor { offset }),
                _ => Err(bad(s, "expected an offset cursor")),
            },
        }
    }

    /// The cursor after a page that returned `returned` records for a request of `limit`:
    /// none when the page was short, or when `total` is known and reached.
    pub fn next(&self, returned: usize, limit: u32, total: Option<u64>) -> Option<String> {
        let next = self.offset + returned as u64;
        if returned == 0 || (returned as u64) < u64::from(limit) || total.is_some_and(|t| next >= t)
        {
            None
        } else {
            Some(OffsetCursor { offset: next }.encode())
        }
    }
}

/// Page-number paging. The cursor holds the page to fetch next, in the system's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub page: u64,
}

impl PageCursor {
    pub fn encode(&self) -> String {
        Cursor::Page(self.page).encode()
    }

    /// `first_page` (0 or 1, as the system counts) when there is no cursor.
    pub fn decode(cursor: Option<&str>, first_page: u64) -> Result<PageCursor, ConnectorError> {
        match cursor {
            None => Ok(PageCursor { page: first_page }),
            Some(s) => match Cursor::decode(s)? {
                Cursor::Page(page) if page >= first_page => Ok(PageCursor { page }),
                _ => Err(bad(s, "expected a page cursor")),
            },
        }
    }

    /// The cursor after a page that returned `returned` records for a request of `limit`
    /// (none when the page was short, or past `total_pages` when known).
    pub fn next(&self, returned: usize, limit: u32, total_pages: Option<u64>) -> Option<String> {
        let next = self.page + 1;
        if returned == 0
            || (returned as u64) < u64::from(limit)
            || total_pages.is_some_and(|t| next > t)
        {
            None
        } else {
            Some(PageCursor { page: next }.encode())
        }
    }
}

/// A next-page link from the system. Relative links are resolved against the connection's
/// base URL; a link to another origin is refused, so a cursor can never point the connector
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCursor {
    pub url: String,
}

impl LinkCursor {
    pub fn encode(&self) -> String {
        Cursor::Link(self.url.clone()).encode()
    }

    /// `None` for the first page. The link must be on the base URL's origin.
    pub fn decode(
        cursor: Option<&str>,
        ctx: &ConnectionContext,
    ) -> Result<Option<LinkCursor>, ConnectorError> {
        match cursor {
            None => Ok(None),
            Some(s) => match Cursor::decode(s)? {
                Cursor::Link(url) if same_origin(&url, &ctx.base_url) => {
                    Ok(Some(LinkCursor { url }))
                }
                Cursor::Link(_) => Err(bad(s, "link leaves the connection's origin")),
                _ => Err(bad(s, "expected a link cursor")),
            },
        }
    }

    /// The cursor for the system's next link (absolute, or relative to the base URL's origin);
    /// `None` when there is no next link.
    pub fn next(
        link: Option<&str>,
        ctx: &ConnectionContext,
    ) -> Result<Option<String>, ConnectorError> {
        let Some(link) = link.filter(|l| !l.is_empty()) else {
            return Ok(None);
        };
        let absolute = if link.contains("://") {
            link.to_owned()
        } else {
            let origin =
                origin(&ctx.base_url).ok_or_else(|| ConnectorError::internal("bad base URL"))?;
            if link.starts_with('/') {
                format!("{origin}{link}")
            } else {
                crate::ctx::url(ctx, link)
            }
        };
        if !same_origin(&absolute, &ctx.base_url) {
            return Err(ConnectorError::internal(format!(
                "next link {link:?} leaves the connection's origin"
            )));
        }
        Ok(Some(LinkCursor { url: absolute }.encode()))
    }
}

/// `scheme://authority` of an absolute URL, lowercased.
pub fn origin(url: &str) -> Option<String> {
    let parts = crate::http::split_url(url).ok()?;
    Some(format!(
        "{}://{}",
        parts.scheme,
        parts.authority.to_ascii_lowercase()
    ))
}

fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ConnectionContext {
        crate::ctx::context("https://sys.example.com/api/v2", &[])
    }

    #[test]
    fn offset() {
        assert_eq!(OffsetCursor { offset: 100 }.encode(), "o:100");
        assert_eq!(
            OffsetCursor::decode(Some("o:100")).unwrap(),
            OffsetCursor { offset: 100 }
        );
        assert_eq!(OffsetCursor::decode(None).unwrap().offset, 0);
        let c = OffsetCursor { offset: 100 };
        assert_eq!(c.next(50, 50, None).as_deref(), Some("o:150"));
        assert_eq!(c.next(49, 50, None), None);
        assert_eq!(c.next(50, 50, Some(150)), None);
        assert_eq!(c.next(0, 50, None), None);
        assert!(OffsetCursor::decode(Some("o:x")).is_err());
        assert!(OffsetCursor::decode(Some("p:1")).is_err());
    }

    #[test]
    fn page() {
        assert_eq!(PageCursor::decode(None, 1).unwrap().page, 1);
        let c = PageCursor::decode(Some("p:3"), 1).unwrap();
        assert_eq!(c.next(10, 10, None).as_deref(), Some("p:4"));
        assert_eq!(c.next(10, 10, Some(3)), None);
        assert_eq!(c.next(9, 10, None), None);
        assert!(PageCursor::decode(Some("p:0"), 1).is_err());
    }

    #[test]
    fn token() {
        assert_eq!(
            TokenCursor::next(Some("abc:def")).as_deref(),
            Some("c:abc:def")
        );
        assert_eq!(TokenCursor::next(Some("")), None);
        assert_eq!(TokenCursor::next(None), None);
        assert_eq!(
            TokenCursor::decode(Some("c:abc:def"))
                .unwrap()
                .unwrap()
                .token,
            "abc:def"
        );
        assert_eq!(TokenCursor::decode(None).unwrap(), None);
        match TokenCursor::decode(Some("garbage")).unwrap_err() {
            ConnectorError::InvalidRequest(i) => assert_eq!(i.field.as_deref(), Some("cursor")),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn link() {
        let ctx = ctx();
        let next = LinkCursor::next(Some("/api/v2/items?page=2"), &ctx)
            .unwrap()
            .unwrap();
        assert_eq!(next, "l:https://sys.example.com/api/v2/items?page=2");
        let rel = LinkCursor::next(Some("items?$skiptoken=5"), &ctx)
            .unwrap()
            .unwrap();
        assert_eq!(rel, "l:https://sys.example.com/api/v2/items?$skiptoken=5");
        assert_eq!(
            LinkCursor::decode(Some(&next), &ctx).unwrap().unwrap().url,
            "https://sys.example.com/api/v2/items?page=2"
        );
        assert!(LinkCursor::next(Some("https://evil.example.net/x"), &ctx).is_err());
        assert!(LinkCursor::decode(Some("l:https://evil.example.net/x"), &ctx).is_err());
        assert_eq!(LinkCursor::next(None, &ctx).unwrap(), None);
    }

    #[test]
    fn generic() {
        for c in [
            Cursor::Token("t".into()),
            Cursor::Offset(5),
            Cursor::Page(2),
            Cursor::Link("https://a/b".into()),
        ] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
        assert!(Cursor::decode("x:1").is_err());
        assert!(Cursor::decode("c:").is_err());
    }
}
