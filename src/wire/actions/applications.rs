use serde::Serialize;

use crate::domain::Toggle;
use crate::domain::application::{
    self, Application, ApplicationFilter, ApplicationPatch, CustomField, FieldMatch,
    FieldOperation, NewApplication, RESOURCE_SERVER_SOURCE_CUSTOM, SOURCE_STANDARD,
    SOURCE_TEMPLATE, SsoType,
};
use crate::domain::ids::{ApplicationId, InstanceId};
use crate::domain::paging::Page;
use crate::error::Error;
use crate::state::AppState;
use crate::wire::envelope::Empty;
use crate::wire::params::Params;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnerView {
    group_ids: Vec<String>,
    user_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomFieldView {
    field_name: String,
    field_value: String,
}

/// GetApplication's `Application`, field for field as in FIELDS.md.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationView {
    api_invoke_status: Toggle,
    application_creation_type: String,
    application_id: ApplicationId,
    application_identity_type: String,
    application_name: String,
    application_owner: OwnerView,
    application_source_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_template_id: Option<String>,
    application_visibility: Vec<String>,
    authorization_type: String,
    client_id: ApplicationId,
    create_time: i64,
    custom_fields: Vec<CustomFieldView>,
    custom_subject_status: Toggle,
    description: String,
    features: String,
    instance_id: InstanceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_url: Option<String>,
    #[serde(rename = "M2MClientStatus")]
    m2m_client_status: Toggle,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed_service_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_server_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_server_source_type: Option<&'static str>,
    resource_server_status: Toggle,
    service_managed: bool,
    smart_config_capabilities: Vec<String>,
    sso_type: &'static str,
    status: Toggle,
    update_time: i64,
}

/// ListApplications' element: the subset FIELDS.md lists.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSummary {
    application_creation_type: String,
    application_id: ApplicationId,
    application_identity_type: String,
    application_name: String,
    application_source_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_template_id: Option<String>,
    client_id: ApplicationId,
    create_time: i64,
    description: String,
    features: String,
    instance_id: InstanceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed_service_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_server_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_server_source_type: Option<&'static str>,
    resource_server_status: Toggle,
    service_managed: bool,
    sso_type: &'static str,
    status: Toggle,
    update_time: i64,
}

/// `Features` is a JSON array encoded as a string.
fn features(app: &Application) -> String {
    serde_json::to_string(&app.features()).unwrap_or_else(|_| "[]".into())
}

fn rs_source(app: &Application) -> Option<&'static str> {
    app.resource_server_identifier
        .as_ref()
        .map(|_| RESOURCE_SERVER_SOURCE_CUSTOM)
}

impl From<Application> for ApplicationView {
    fn from(app: Application) -> Self {
        Self {
            features: features(&app),
            resource_server_source_type: rs_source(&app),
            api_invoke_status: app.api_invoke_status,
            application_creation_type: app.creation_type,
            client_id: app.id.clone(),
            application_id: app.id,
            application_identity_type: app.identity_type,
            application_name: app.name,
            application_owner: OwnerView {
                group_ids: app.owner_group_ids,
                user_ids: app.owner_user_ids,
            },
            application_source_type: app.source_type,
            application_template_id: app.template_id,
            application_visibility: app.visibility,
            authorization_type: app.authorization_type,
            create_time: app.created_at,
            custom_fields: app
                .custom_fields
                .into_iter()
                .map(|f| CustomFieldView {
                    field_name: f.name,
                    field_value: f.value,
                })
                .collect(),
            custom_subject_status: app.custom_subject_status,
            description: app.description,
            instance_id: app.instance_id,
            logo_url: app.logo_url,
            m2m_client_status: app.m2m_client_status,
            managed_service_code: app.managed_service_code,
            resource_server_identifier: app.resource_server_identifier,
            resource_server_status: app.resource_server_status,
            service_managed: app.service_managed,
            smart_config_capabilities: Vec::new(),
            sso_type: app.sso_type.as_str(),
            status: app.status,
            update_time: app.updated_at,
        }
    }
}

impl From<Application> for ApplicationSummary {
    fn from(app: Application) -> Self {
        Self {
            features: features(&app),
            resource_server_source_type: rs_source(&app),
            application_creation_type: app.creation_type,
            client_id: app.id.clone(),
            application_id: app.id,
            application_identity_type: app.identity_type,
            application_name: app.name,
            application_source_type: app.source_type,
            application_template_id: app.template_id,
            create_time: app.created_at,
            description: app.description,
            instance_id: app.instance_id,
            logo_url: app.logo_url,
            managed_service_code: app.managed_service_code,
            resource_server_identifier: app.resource_server_identifier,
            resource_server_status: app.resource_server_status,
            service_managed: app.service_managed,
            sso_type: app.sso_type.as_str(),
            status: app.status,
            update_time: app.updated_at,
        }
    }
}

/// The (InstanceId, ApplicationId) pair nearly every action starts with.
pub fn app_ids(p: &Params) -> Result<(InstanceId, ApplicationId), Error> {
    Ok((p.required("InstanceId")?, p.required("ApplicationId")?))
}

fn custom_fields(
    p: &Params,
    with_operation: bool,
) -> Result<Vec<(FieldOperation, CustomField)>, Error> {
    let mut out = Vec::new();
    for (i, obj) in p.objects("CustomFields")?.into_iter().enumerate() {
        let path = format!("CustomFields.{}", i + 1);
        let name = obj.raw("FieldName").unwrap_or("");
        if name.is_empty() {
            return Err(Error::MissingParameter(format!(
                "CustomFields.{}.FieldName",
                i + 1
            )));
        }
        let op = match obj.raw("Operation").filter(|o| !o.is_empty()) {
            _ if !with_operation => FieldOperation::Set,
            None => FieldOperation::Set,
            Some(o) if o.eq_ignore_ascii_case("add") || o.eq_ignore_ascii_case("replace") => {
                FieldOperation::Set
            }
            Some(o) if o.eq_ignore_ascii_case("remove") => FieldOperation::Remove,
            Some(o) => {
                return Err(Error::invalid(
                    "CustomFields",
                    format!("{path}.Operation must be add, replace or remove; got {o:?}."),
                ));
            }
        };
        let field = CustomField {
            name: name.to_owned(),
            value: obj.raw("FieldValue").unwrap_or("").to_owned(),
        };
        application::check_custom_field(&field, "CustomFields")?;
        if out
            .iter()
            .any(|(_, f): &(_, CustomField)| f.name == field.name)
        {
            return Err(Error::invalid(
                "CustomFields",
                format!("{path}.FieldName repeats the field {:?}.", field.name),
            ));
        }
        out.push((op, field));
    }
    Ok(out)
}

/// ListApplications' `CustomFields`: the same checks as a field to set, but a missing
/// `FieldValue` asks only that the field exists.
fn field_matches(p: &Params) -> Result<Vec<FieldMatch>, Error> {
    let given: Vec<bool> = p
        .objects("CustomFields")?
        .iter()
        .map(|obj| obj.raw("FieldValue").is_some())
        .collect();
    Ok(custom_fields(p, false)?
        .into_iter()
        .zip(given)
        .map(|((_, f), has_value)| FieldMatch {
            name: f.name,
            value: has_value.then_some(f.value),
        })
        .collect())
}

/// (UserIds, GroupIds) of `ApplicationOwner`, each `None` when the object is absent.
type OwnerLists = (Option<Vec<String>>, Option<Vec<String>>);

fn owner_lists(p: &Params) -> Result<OwnerLists, Error> {
    match p.object("ApplicationOwner") {
        None => Ok((None, None)),
        Some(owner) => Ok((Some(owner.list("UserIds")?), Some(owner.list("GroupIds")?))),
    }
}

fn one_of(p: &Params, name: &str, allowed: &[&str]) -> Result<Option<String>, Error> {
    match p.non_empty(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
        Some(v) => Err(Error::invalid(
            name,
            format!("{name} must be one of {}; got {v:?}.", allowed.join(", ")),
        )),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Created {
    application_id: ApplicationId,
}

pub async fn create(s: &AppState, p: &Params) -> Result<Created, Error> {
    let instance_id: InstanceId = p.required("InstanceId")?;
    let name: String = p.required("ApplicationName")?;
    application::check_name(&name)?;
    let source_type: String = p.required("ApplicationSourceType")?;
    if source_type != SOURCE_STANDARD && source_type != SOURCE_TEMPLATE {
        return Err(Error::invalid(
            "ApplicationSourceType",
            format!(
                "ApplicationSourceType must be {SOURCE_STANDARD} or {SOURCE_TEMPLATE}; got {source_type:?}."
            ),
        ));
    }
    let template_id = p.non_empty("ApplicationTemplateId");
    if source_type == SOURCE_TEMPLATE && template_id.is_none() {
        return Err(Error::MissingParameter("ApplicationTemplateId".into()));
    }
    let sso_raw: String = p.required("SsoType")?;
    let sso_type = SsoType::parse(&sso_raw).ok_or_else(|| {
        Error::invalid(
            "SsoType",
            format!(
                "SsoType must be one of oidc, saml2, oauth2/m2m, oidc+oauth2/m2m; got {sso_raw:?}."
            ),
        )
    })?;
    let identity_type = one_of(p, "ApplicationIdentityType", &["application", "agent"])?
        .unwrap_or_else(|| "application".into());
    let description = p.optional::<String>("Description")?.unwrap_or_default();
    application::check_description(&description)?;
    let logo_url = p.non_empty("LogoUrl");
    if let Some(u) = &logo_url {
        application::check_logo_url(u)?;
    }
    let (users, groups) = owner_lists(p)?;
    let new = NewApplication {
        instance_id,
        name,
        description,
        logo_url,
        source_type,
        template_id,
        sso_type,
        identity_type,
        owner_user_ids: users.unwrap_or_default(),
        owner_group_ids: groups.unwrap_or_default(),
        custom_fields: custom_fields(p, false)?
            .into_iter()
            .map(|(_, f)| f)
            .collect(),
    };
    Ok(Created {
        application_id: application::create(s, new).await?,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Got {
    application: ApplicationView,
}

pub async fn get(s: &AppState, p: &Params) -> Result<Got, Error> {
    let (instance_id, id) = app_ids(p)?;
    Ok(Got {
        application: application::get(s, &instance_id, &id).await?.into(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listed {
    applications: Vec<ApplicationSummary>,
    total_count: i64,
}

/// Empty means the default, `all` means no filter, anything else an exact match.
fn type_filter(p: &Params, name: &str, default: &str) -> Option<String> {
    match p.non_empty(name) {
        None => Some(default.to_owned()),
        Some(v) if v.eq_ignore_ascii_case("all") => None,
        Some(v) => Some(v),
    }
}

/// An `enabled` / `disabled` filter; empty or absent means no filter.
fn toggle_filter(p: &Params, name: &str) -> Result<Option<String>, Error> {
    match p.non_empty(name) {
        Some(v) if Toggle::parse(&v).is_none() => Err(Error::invalid(
            name,
            format!("{name} must be enabled or disabled; got {v:?}."),
        )),
        other => Ok(other),
    }
}

pub async fn list(s: &AppState, p: &Params) -> Result<Listed, Error> {
    let instance_id: InstanceId = p.required("InstanceId")?;
    let page = Page::new(p.optional("PageNumber")?, p.optional("PageSize")?)?;
    let sso_types: Vec<String> = p
        .non_empty("SsoType")
        .map(|v| {
            v.split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = sso_types.iter().find(|t| SsoType::parse(t).is_none()) {
        return Err(Error::invalid(
            "SsoType",
            format!(
                "SsoType is a comma list of oidc, saml2, oauth2/m2m and oidc+oauth2/m2m; got {bad:?}."
            ),
        ));
    }
    let filter = ApplicationFilter {
        creation_type: type_filter(p, "ApplicationCreationType", "user_custom"),
        identity_type: type_filter(p, "ApplicationIdentityType", "application"),
        ids: p.list("ApplicationIds")?,
        name_prefix: p.non_empty("ApplicationName"),
        template_id: p.non_empty("ApplicationTemplateId"),
        authorization_type: p.non_empty("AuthorizationType"),
        custom_fields: field_matches(p)?,
        m2m_client_status: toggle_filter(p, "M2MClientStatus")?,
        managed_service_code: p.non_empty("ManagedServiceCode"),
        resource_server_status: toggle_filter(p, "ResourceServerStatus")?,
        service_managed: p.optional("ServiceManaged")?,
        sso_types,
        status: toggle_filter(p, "Status")?,
    };
    let (apps, total) = application::list(s, &instance_id, &filter, page).await?;
    Ok(Listed {
        applications: apps.into_iter().map(Into::into).collect(),
        total_count: total,
    })
}

pub async fn delete(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let (instance_id, id) = app_ids(p)?;
    application::delete(s, &instance_id, &id).await?;
    Ok(Empty {})
}

async fn patch(s: &AppState, p: &Params, patch: ApplicationPatch) -> Result<Empty, Error> {
    let (instance_id, id) = app_ids(p)?;
    application::update(s, &instance_id, &id, patch).await?;
    Ok(Empty {})
}

pub async fn enable(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let status = Some(Toggle::Enabled);
    patch(
        s,
        p,
        ApplicationPatch {
            status,
            ..Default::default()
        },
    )
    .await
}

pub async fn disable(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let status = Some(Toggle::Disabled);
    patch(
        s,
        p,
        ApplicationPatch {
            status,
            ..Default::default()
        },
    )
    .await
}

pub async fn enable_m2m_client(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let m2m_client_status = Some(Toggle::Enabled);
    patch(
        s,
        p,
        ApplicationPatch {
            m2m_client_status,
            ..Default::default()
        },
    )
    .await
}

pub async fn disable_m2m_client(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let m2m_client_status = Some(Toggle::Disabled);
    patch(
        s,
        p,
        ApplicationPatch {
            m2m_client_status,
            ..Default::default()
        },
    )
    .await
}

pub async fn enable_resource_server(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let resource_server_status = Some(Toggle::Enabled);
    patch(
        s,
        p,
        ApplicationPatch {
            resource_server_status,
            ..Default::default()
        },
    )
    .await
}

pub async fn disable_resource_server(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let resource_server_status = Some(Toggle::Disabled);
    patch(
        s,
        p,
        ApplicationPatch {
            resource_server_status,
            ..Default::default()
        },
    )
    .await
}

pub async fn set_resource_server_identifier(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let identifier: String = p.required("ResourceServerIdentifier")?;
    application::check_resource_server_identifier(&identifier)?;
    let resource_server_identifier = Some(identifier);
    patch(
        s,
        p,
        ApplicationPatch {
            resource_server_identifier,
            ..Default::default()
        },
    )
    .await
}

pub async fn update_description(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let description = p.optional::<String>("Description")?.unwrap_or_default();
    application::check_description(&description)?;
    let description = Some(description);
    patch(
        s,
        p,
        ApplicationPatch {
            description,
            ..Default::default()
        },
    )
    .await
}

pub async fn update_info(s: &AppState, p: &Params) -> Result<Empty, Error> {
    let name = p.non_empty("ApplicationName");
    if let Some(n) = &name {
        application::check_name(n)?;
    }
    // An empty LogoUrl clears the logo; absent leaves it.
    let logo_url = match p.raw("LogoUrl") {
        None => None,
        Some("") => Some(None),
        Some(u) => {
            application::check_logo_url(u)?;
            Some(Some(u.to_owned()))
        }
    };
    let (owner_user_ids, owner_group_ids) = owner_lists(p)?;
    let visibility = if p.names().any(|n| n.starts_with("ApplicationVisibility")) {
        Some(p.list("ApplicationVisibility")?)
    } else {
        None
    };
    let update = ApplicationPatch {
        name,
        logo_url,
        owner_user_ids,
        owner_group_ids,
        visibility,
        custom_fields: custom_fields(p, true)?,
        ..Default::default()
    };
    patch(s, p, update).await
}
