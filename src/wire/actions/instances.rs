use serde::Serialize;

use crate::domain::ids::InstanceId;
use crate::domain::instance::{self, Instance, InstanceFilter};
use crate::domain::paging::Page;
use crate::error::Error;
use crate::state::AppState;
use crate::wire::envelope::Empty;
use crate::wire::params::Params;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultEndpoint {
    endpoint: String,
    status: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainConfig {
    default_domain: String,
    init_domain: String,
    init_domain_auto_redirect_status: &'static str,
}

/// GetInstance's `Instance`; ListInstances leaves out `DomainConfig` and `EgressAddresses`.
///
/// A local instance is never replicated nor service-managed, so `CrossRegionReplicationRole`,
/// `ManagedServiceCode` and `ReplicationConfiguration` have no value and are omitted, like
/// every other unknown value (docs/decisions.md, "Instances").
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceView {
    create_time: i64,
    cross_region_replication: &'static str,
    default_endpoint: DefaultEndpoint,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_config: Option<DomainConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    egress_addresses: Option<Vec<String>>,
    instance_failover_status: &'static str,
    instance_id: InstanceId,
    service_managed: bool,
    status: String,
}

/// `host[:port]` of the public URL: where this instance's endpoints are served.
fn endpoint_host(s: &AppState) -> String {
    let url = &s.public_url;
    let without_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    without_scheme
        .split('/')
        .next()
        .unwrap_or(without_scheme)
        .to_owned()
}

fn view(s: &AppState, i: Instance, full: bool) -> InstanceView {
    let host = endpoint_host(s);
    InstanceView {
        create_time: i.created_at,
        cross_region_replication: "disabled",
        default_endpoint: DefaultEndpoint {
            endpoint: host.clone(),
            status: "resolved",
        },
        description: i.description,
        domain_config: full.then(|| DomainConfig {
            default_domain: host.clone(),
            init_domain: host,
            init_domain_auto_redirect_status: "disabled",
        }),
        egress_addresses: full.then(Vec::new),
        // The SDK documents `active` / `inactive` (failover activated or not); never here.
        instance_failover_status: "inactive",
        instance_id: i.id,
        service_managed: false,
        status: i.status,
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Created {
    instance_id: InstanceId,
}

pub async fn create(s: &AppState, p: &Params) -> Result<Created, Error> {
    let description = p.optional::<String>("Description")?.unwrap_or_default();
    let client_token = p.non_empty("ClientToken");
    Ok(Created {
        instance_id: instance::create(s, description, client_token).await?,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Got {
    instance: InstanceView,
}

pub async fn get(s: &AppState, p: &Params) -> Result<Got, Error> {
    let id = p.required::<InstanceId>("InstanceId")?;
    let i = instance::get(s, &id).await?;
    Ok(Got {
        instance: view(s, i, true),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listed {
    instances: Vec<InstanceView>,
    total_count: i64,
}

pub async fn list(s: &AppState, p: &Params) -> Result<Listed, Error> {
    let page = Page::new(p.optional("PageNumber")?, p.optional("PageSize")?)?;
    let cross_region = p.non_empty("CrossRegionReplication");
    let filter = InstanceFilter {
        ids: p.list("InstanceIds")?,
        status: p.non_empty("Status"),
        matches_nothing: p.optional::<bool>("ServiceManaged")? == Some(true)
            || p.non_empty("ManagedServiceCode").is_some()
            || cross_region.is_some_and(|c| c != "disabled"),
    };
    // `Edition` is accepted and matches every local instance (they have no edition).
    let (items, total) = instance::list(s, &filter, page).await?;
    Ok(Listed {
        instances: items.into_iter().map(|i| view(s, i, false)).collect(),
        total_count: total,
    })
}

pub async fn delete(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let id = p.required::<InstanceId>("InstanceId")?;
    instance::delete(s, &id).await?;
    Ok(Empty {})
}

pub async fn update_description(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let id = p.required::<InstanceId>("InstanceId")?;
    let description = p.optional::<String>("Description")?.unwrap_or_default();
    instance::update_description(s, &id, description).await?;
    Ok(Empty {})
}
