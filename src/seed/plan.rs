//! Checking a whole seed file and resolving it into concrete objects, before anything is
//! written. Every problem found is reported with its line, the field and the reason.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use toml::Spanned;

use super::model::*;
use crate::clock::Millis;
use crate::domain::Toggle;
use crate::domain::application::{self, SsoType};
use crate::domain::client_secret::QUOTA;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId, SecretId};
use crate::domain::resource_server::{self, NewScope, SCOPE_TYPE_DELEGATED};
use crate::domain::secret::SecretValue;

/// One problem in a seed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub line: usize,
    /// Where in the file, e.g. `instances[0].applications[1].secrets[2].expiration`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// All the problems of a file; nothing was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedErrors {
    pub file: String,
    pub errors: Vec<SeedError>,
}

impl fmt::Display for SeedErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: the seed file was rejected; nothing was applied:",
            self.file
        )?;
        for e in &self.errors {
            writeln!(f, "  {}:{e}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for SeedErrors {}

/// Default expiration of a secret seeded with `expired = true`.
pub const EXPIRED_DEFAULT_MS: Millis = 1_577_836_800_000; // 2020-01-01T00:00:00Z

#[derive(Debug, Clone)]
pub struct PlannedInstance {
    pub id: InstanceId,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct PlannedApp {
    pub id: ApplicationId,
    pub instance_id: InstanceId,
    pub name: String,
    pub description: String,
    pub sso_type: SsoType,
    pub status: Toggle,
    pub m2m_client: Toggle,
    pub identity_type: String,
    pub resource_server: Option<(String, Toggle)>,
}

#[derive(Debug, Clone)]
pub struct PlannedScope {
    pub id: ScopeId,
    pub instance_id: InstanceId,
    pub application_id: ApplicationId,
    pub value: String,
    pub name: String,
    pub authorization_type: String,
}

#[derive(Debug, Clone)]
pub struct PlannedGrant {
    pub instance_id: InstanceId,
    pub client: ApplicationId,
    pub server: ApplicationId,
    /// `None`: the whole resource server.
    pub scopes: Option<Vec<ScopeId>>,
}

#[derive(Debug, Clone)]
pub struct PlannedSecret {
    pub id: SecretId,
    pub instance_id: InstanceId,
    pub application_id: ApplicationId,
    /// `application name/secret name`, for messages and the report.
    pub label: String,
    pub value: Option<SecretValue>,
    pub status: Toggle,
    pub expires_at: Option<Millis>,
    /// Where to point when the database disagrees with this secret.
    pub line: usize,
    pub field: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub instances: Vec<PlannedInstance>,
    pub apps: Vec<PlannedApp>,
    pub scopes: Vec<PlannedScope>,
    pub grants: Vec<PlannedGrant>,
    pub secrets: Vec<PlannedSecret>,
}

struct Checker<'a> {
    text: &'a str,
    errors: Vec<SeedError>,
    env: &'a dyn Fn(&str) -> Option<String>,
    now: Millis,
}

impl Checker<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text[..end].bytes().filter(|b| *b == b'\n').count() + 1
    }

    fn error(&mut self, span: Range<usize>, field: String, message: impl Into<String>) {
        let line = self.line(span);
        self.errors.push(SeedError {
            line,
            field,
            message: message.into(),
        });
    }

    /// A given id of the right shape, or one derived from the parent and name.
    fn id<T>(
        &mut self,
        given: &Option<Spanned<String>>,
        path: &str,
        parse: impl Fn(&str) -> Result<T, crate::domain::ids::IdShapeError>,
        derive: impl Fn() -> T,
    ) -> Option<T> {
        match given {
            None => Some(derive()),
            Some(id) => match parse(id.get_ref()) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.error(
                        id.span(),
                        format!("{path}.id"),
                        format!("{e}; got {:?}", id.get_ref()),
                    );
                    None
                }
            },
        }
    }

    fn toggle(&mut self, v: &Option<Spanned<String>>, field: String, default: Toggle) -> Toggle {
        match v {
            None => default,
            Some(s) => Toggle::parse(s.get_ref()).unwrap_or_else(|| {
                self.error(
                    s.span(),
                    field,
                    format!("must be \"enabled\" or \"disabled\"; got {:?}", s.get_ref()),
                );
                default
            }),
        }
    }

    fn check(&mut self, r: Result<(), crate::error::Error>, span: Range<usize>, field: String) {
        if let Err(e) = r {
            self.error(span, field, e.to_string());
        }
    }

    fn expiration(&mut self, s: &SecretSeed, path: &str) -> Option<Millis> {
        let expired = s.expired.as_ref().is_some_and(|e| *e.get_ref());
        let exp = match &s.expiration {
            None => {
                return expired.then_some(EXPIRED_DEFAULT_MS);
            }
            Some(v) => v,
        };
        let field = format!("{path}.expiration");
        let ms = match exp.get_ref() {
            toml::Value::Integer(ms) => Some(*ms),
            toml::Value::String(text) => parse_rfc3339(text),
            toml::Value::Datetime(dt) => parse_rfc3339(&dt.to_string()),
            _ => None,
        };
        let Some(ms) = ms else {
            self.error(
                exp.span(),
                field,
                "must be an RFC 3339 date-time with an offset (\"2030-01-01T00:00:00Z\") or Unix milliseconds",
            );
            return None;
        };
        if ms < 1_000_000_000_000 {
            self.error(
                exp.span(),
                field,
                format!("{ms} looks like seconds; expiration is in Unix milliseconds"),
            );
            return None;
        }
        if expired && ms > self.now {
            self.error(
                exp.span(),
                field,
                "expired = true needs an expiration in the past",
            );
        } else if !expired && ms <= self.now {
            self.error(
                exp.span(),
                field,
                "the expiration is in the past; set `expired = true` to seed an expired secret on purpose",
            );
        }
        Some(ms)
    }
}

fn parse_rfc3339(text: &str) -> Option<Millis> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Where a resource server of the file lives, for grants.
struct ServerRef {
    instance: usize,
    id: ApplicationId,
    scopes: HashMap<String, ScopeId>,
}

/// Check the whole file and resolve it. `env` reads `value_env` variables.
pub fn plan(
    file: &SeedFile,
    text: &str,
    now: Millis,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Vec<SeedError>> {
    let mut c = Checker {
        text,
        errors: Vec::new(),
        env,
        now,
    };
    let mut out = Plan::default();
    let mut instance_ids = HashSet::new();
    let mut instance_names = HashSet::new();
    let mut app_ids = HashSet::new();
    let mut secret_ids = HashSet::new();
    let mut scope_ids = HashSet::new();
    // Grants are resolved after every application is known.
    let mut servers: Vec<(String, ServerRef)> = Vec::new();
    let mut pending_grants: Vec<(usize, ApplicationId, String, &Spanned<GrantSeed>)> = Vec::new();
    let mut instance_index: Vec<Option<InstanceId>> = Vec::new();

    for (ii, inst) in file.instances.iter().enumerate() {
        let ipath = format!("instances[{ii}]");
        let i = inst.get_ref();
        let name = match (&i.name, &i.id) {
            (Some(n), _) => {
                if n.get_ref().trim().is_empty() {
                    c.error(n.span(), format!("{ipath}.name"), "must not be empty");
                }
                if !instance_names.insert(n.get_ref().clone()) {
                    c.error(
                        n.span(),
                        format!("{ipath}.name"),
                        format!("duplicate instance name {:?}", n.get_ref()),
                    );
                }
                n.get_ref().clone()
            }
            (None, Some(id)) => id.get_ref().clone(),
            (None, None) => {
                c.error(
                    inst.span(),
                    ipath.clone(),
                    "an instance needs a `name` (or an `id`)",
                );
                instance_index.push(None);
                continue;
            }
        };
        let name = &name;
        let Some(instance_id) = c.id(&i.id, &ipath, InstanceId::parse, || {
            InstanceId::derive(&["instance", name])
        }) else {
            instance_index.push(None);
            continue;
        };
        instance_index.push(Some(instance_id.clone()));
        if !instance_ids.insert(instance_id.clone()) {
            c.error(
                inst.span(),
                format!("{ipath}.id"),
                format!("duplicate instance id {instance_id}"),
            );
        }
        let description = match &i.description {
            Some(d) => d.get_ref().clone(),
            None if i.name.is_some() => name.clone(),
            None => String::new(),
        };
        if let Some(d) = &i.description {
            c.check(
                crate::domain::instance::check_description(d.get_ref()),
                d.span(),
                format!("{ipath}.description"),
            );
        } else {
            c.check(
                crate::domain::instance::check_description(&description),
                inst.span(),
                format!("{ipath}.name"),
            );
        }
        out.instances.push(PlannedInstance {
            id: instance_id.clone(),
            description,
        });

        let mut app_names = HashSet::new();
        let mut identifiers = HashSet::new();
        for (ai, app) in i.applications.iter().enumerate() {
            let apath = format!("{ipath}.applications[{ai}]");
            let a = app.get_ref();
            let app_name = a.name.get_ref();
            c.check(
                application::check_name(app_name),
                a.name.span(),
                format!("{apath}.name"),
            );
            if !app_names.insert(app_name.clone()) {
                c.error(
                    a.name.span(),
                    format!("{apath}.name"),
                    format!("duplicate application name {app_name:?} in this instance"),
                );
            }
            let Some(app_id) = c.id(&a.id, &apath, ApplicationId::parse, || {
                ApplicationId::derive(&[instance_id.as_str(), app_name])
            }) else {
                continue;
            };
            if !app_ids.insert(app_id.clone()) {
                c.error(
                    app.span(),
                    format!("{apath}.id"),
                    format!("duplicate application id {app_id}"),
                );
            }
            let sso_type = match SsoType::parse(a.sso_type.get_ref()) {
                Some(t) => t,
                None => {
                    c.error(
                        a.sso_type.span(),
                        format!("{apath}.sso_type"),
                        format!(
                            "must be oidc, saml2, oauth2/m2m or oidc+oauth2/m2m; got {:?}",
                            a.sso_type.get_ref()
                        ),
                    );
                    SsoType::M2m
                }
            };
            let description = a
                .description
                .as_ref()
                .map(|d| d.get_ref().clone())
                .unwrap_or_default();
            if let Some(d) = &a.description {
                c.check(
                    application::check_description(d.get_ref()),
                    d.span(),
                    format!("{apath}.description"),
                );
            }
            let status = c.toggle(&a.status, format!("{apath}.status"), Toggle::Enabled);
            let m2m_client = a
                .m2m_client
                .as_ref()
                .map(|m| Toggle::from_bool(*m.get_ref()))
                .unwrap_or(Toggle::from_bool(sso_type.includes_m2m()));
            let identity_type = match &a.identity_type {
                None => "application".to_owned(),
                Some(t) if ["application", "agent"].contains(&t.get_ref().as_str()) => {
                    t.get_ref().clone()
                }
                Some(t) => {
                    c.error(
                        t.span(),
                        format!("{apath}.identity_type"),
                        format!("must be application or agent; got {:?}", t.get_ref()),
                    );
                    "application".to_owned()
                }
            };

            let mut resource_server = None;
            if let Some(rs) = &a.resource_server {
                let rpath = format!("{apath}.resource_server");
                let r = rs.get_ref();
                let ident = r.identifier.get_ref();
                c.check(
                    application::check_resource_server_identifier(ident),
                    r.identifier.span(),
                    format!("{rpath}.identifier"),
                );
                if !identifiers.insert(ident.clone()) {
                    c.error(
                        r.identifier.span(),
                        format!("{rpath}.identifier"),
                        format!("duplicate resource server identifier {ident:?} in this instance"),
                    );
                }
                let enabled = r.enabled.as_ref().is_none_or(|e| *e.get_ref());
                resource_server = Some((ident.clone(), Toggle::from_bool(enabled)));
                let mut values = HashMap::new();
                for (si, scope) in r.scopes.iter().enumerate() {
                    let spath = format!("{rpath}.scopes[{si}]");
                    let s = scope.get_ref();
                    let value = s.value.get_ref().clone();
                    let new = NewScope {
                        name: s
                            .name
                            .as_ref()
                            .map(|n| n.get_ref().clone())
                            .unwrap_or_else(|| value.clone()),
                        value: value.clone(),
                        scope_type: SCOPE_TYPE_DELEGATED.to_owned(),
                        authorization_type: s
                            .authorization_type
                            .as_ref()
                            .map(|t| t.get_ref().clone())
                            .unwrap_or_else(|| "authorize_required".into()),
                    };
                    c.check(
                        resource_server::check_new_scope(&new),
                        scope.span(),
                        spath.clone(),
                    );
                    let Some(scope_id) = c.id(&s.id, &spath, ScopeId::parse, || {
                        ScopeId::derive(&[app_id.as_str(), &value])
                    }) else {
                        continue;
                    };
                    if values.insert(value.clone(), scope_id.clone()).is_some() {
                        c.error(
                            s.value.span(),
                            format!("{spath}.value"),
                            format!("duplicate scope value {value:?} in this resource server"),
                        );
                    }
                    if !scope_ids.insert(scope_id.clone()) {
                        c.error(
                            scope.span(),
                            format!("{spath}.id"),
                            format!("duplicate scope id {scope_id}"),
                        );
                    }
                    out.scopes.push(PlannedScope {
                        id: scope_id,
                        instance_id: instance_id.clone(),
                        application_id: app_id.clone(),
                        value,
                        name: new.name,
                        authorization_type: new.authorization_type,
                    });
                }
                let server = ServerRef {
                    instance: ii,
                    id: app_id.clone(),
                    scopes: values,
                };
                servers.push((ident.clone(), server));
            } else {
                servers.push((
                    String::new(),
                    ServerRef {
                        instance: ii,
                        id: app_id.clone(),
                        scopes: HashMap::new(),
                    },
                ));
            }

            for (gi, grant) in a.grants.iter().enumerate() {
                pending_grants.push((ii, app_id.clone(), format!("{apath}.grants[{gi}]"), grant));
            }

            if a.secrets.len() as i64 > QUOTA {
                let extra = &a.secrets[QUOTA as usize];
                c.error(
                    extra.span(),
                    format!("{apath}.secrets[{QUOTA}]"),
                    format!("an application holds at most {QUOTA} client secrets; this is secret number {}", a.secrets.len()),
                );
            }
            let mut secret_names = HashSet::new();
            for (si, secret) in a.secrets.iter().enumerate() {
                let spath = format!("{apath}.secrets[{si}]");
                let s = secret.get_ref();
                let secret_name = match (&s.name, &s.id) {
                    (Some(n), _) => n.get_ref().clone(),
                    (None, Some(id)) => id.get_ref().clone(),
                    (None, None) => {
                        c.error(
                            secret.span(),
                            spath.clone(),
                            "a secret needs a `name` (or an `id`)",
                        );
                        continue;
                    }
                };
                if !secret_names.insert(secret_name.clone()) {
                    let span = s.name.as_ref().map_or(secret.span(), |n| n.span());
                    c.error(
                        span,
                        format!("{spath}.name"),
                        format!("duplicate secret name {secret_name:?} in this application"),
                    );
                }
                let Some(secret_id) = c.id(&s.id, &spath, SecretId::parse, || {
                    SecretId::derive(&[app_id.as_str(), &secret_name])
                }) else {
                    continue;
                };
                if !secret_ids.insert(secret_id.clone()) {
                    c.error(
                        secret.span(),
                        format!("{spath}.id"),
                        format!("duplicate secret id {secret_id}"),
                    );
                }
                let value = match (&s.value, &s.value_env) {
                    (Some(_), Some(e)) => {
                        c.error(
                            e.span(),
                            format!("{spath}.value_env"),
                            "give `value` or `value_env`, not both",
                        );
                        None
                    }
                    (Some(v), None) => match SecretValue::parse(v.get_ref()) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            c.error(v.span(), format!("{spath}.value"), e.to_string());
                            None
                        }
                    },
                    (None, Some(e)) => match (c.env)(e.get_ref()) {
                        None => {
                            c.error(
                                e.span(),
                                format!("{spath}.value_env"),
                                format!("environment variable {} is not set", e.get_ref()),
                            );
                            None
                        }
                        Some(text) => match SecretValue::parse(&text) {
                            Ok(v) => Some(v),
                            Err(err) => {
                                c.error(
                                    e.span(),
                                    format!("{spath}.value_env"),
                                    format!("{}: {err}", e.get_ref()),
                                );
                                None
                            }
                        },
                    },
                    (None, None) => None,
                };
                let status = c.toggle(&s.status, format!("{spath}.status"), Toggle::Enabled);
                let expires_at = c.expiration(s, &spath);
                out.secrets.push(PlannedSecret {
                    id: secret_id,
                    instance_id: instance_id.clone(),
                    application_id: app_id.clone(),
                    label: format!("{}/{}/{secret_name}", name, app_name),
                    value,
                    status,
                    expires_at,
                    line: c.line(secret.span()),
                    field: spath,
                });
            }

            out.apps.push(PlannedApp {
                id: app_id,
                instance_id: instance_id.clone(),
                name: app_name.clone(),
                description,
                sso_type,
                status,
                m2m_client,
                identity_type,
                resource_server,
            });
        }
    }

    for (ii, client, gpath, grant) in pending_grants {
        let g = grant.get_ref();
        let wanted = g.resource_server.get_ref();
        let by_app = |s: &ServerRef, ident: &str| {
            s.instance == ii
                && (s.id.as_str() == wanted
                    || (!ident.is_empty() && ident == wanted)
                    || out.apps.iter().any(|a| a.id == s.id && a.name == *wanted))
        };
        let Some((_, server)) = servers.iter().find(|(ident, s)| by_app(s, ident)) else {
            c.error(
                g.resource_server.span(),
                format!("{gpath}.resource_server"),
                format!(
                    "no application or resource server {wanted:?} in this instance of the file"
                ),
            );
            continue;
        };
        let all = g.all.as_ref().is_some_and(|a| *a.get_ref());
        let scopes = match (&g.scopes, all) {
            (Some(list), false) if !list.get_ref().is_empty() => {
                let mut ids = Vec::new();
                for (k, v) in list.get_ref().iter().enumerate() {
                    match server.scopes.get(v.get_ref()) {
                        Some(id) => ids.push(id.clone()),
                        None => c.error(
                            v.span(),
                            format!("{gpath}.scopes[{k}]"),
                            format!(
                                "resource server {wanted:?} has no scope {:?} in the file",
                                v.get_ref()
                            ),
                        ),
                    }
                }
                Some(ids)
            }
            (None, true) => None,
            _ => {
                c.error(
                    grant.span(),
                    gpath.clone(),
                    "a grant needs either a non-empty `scopes` list or `all = true`",
                );
                continue;
            }
        };
        let Some(Some(instance_id)) = instance_index.get(ii).cloned() else {
            continue;
        };
        out.grants.push(PlannedGrant {
            instance_id,
            client,
            server: server.id.clone(),
            scopes,
        });
    }

    if c.errors.is_empty() {
        Ok(out)
    } else {
        c.errors.sort_by_key(|e| e.line);
        Err(c.errors)
    }
}
