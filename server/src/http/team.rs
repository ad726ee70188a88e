//! The team's accounts (administrators): list, add, turn off or on, change a role, set a new
//! password. Every change is audited.

use crate::http::auth::Admin;
use crate::http::error::{bad_body, error};
use crate::http::rate_limit::ClientIp;
use crate::services::audit::Audit;
use crate::services::staff;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::api::desk::{NewStaff, ResetPassword, SetActive, SetRole, StaffAnswer, StaffList};
use domain::api::routes::desk_api;
use store::Store;

/// `POST /api/desk/users` (admin): adds an agent (or another admin).
pub async fn create_staff(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    body: Result<Json<NewStaff>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return bad_body(
                &rejection,
                "Send email, name, password and a role of agent or admin.",
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match staff::create_staff(&store, &body.email, &body.name, body.password, body.role).await {
        Ok(created) => {
            tracing::info!(admin = admin.id, staff_id = created.id, role = %created.role, "staff account created");
            audit
                .staff(
                    &admin,
                    &ip,
                    "staff.create",
                    &created.email,
                    created.role.as_str(),
                )
                .await;
            (StatusCode::CREATED, Json(StaffAnswer { staff: created })).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /api/desk/users` (admin).
pub async fn list_staff(State(store): State<Store>, Admin(_): Admin) -> Response {
    match store.list_staff().await {
        Ok(staff) => Json(StaffList { staff }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list staff");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The team could not be loaded.",
            )
        }
    }
}

/// The account's email for the log (its id when it cannot be read).
async fn email_of(store: &Store, id: i64) -> String {
    match store.staff(id).await {
        Ok(Some(s)) => s.email,
        _ => format!("staff {id}"),
    }
}

/// `POST /api/desk/users/{id}/active` (admin) {active}: turns an account off or on.
pub async fn set_active(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    body: Result<Json<SetActive>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(StatusCode::BAD_REQUEST, "Send {\"active\": true or false}.");
    };
    if id == admin.id && !body.active {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "You cannot turn off your own account.",
        );
    }
    match store.set_staff_active(id, body.active).await {
        Ok(true) => {
            let action = if body.active {
                "staff.turn_on"
            } else {
                "staff.turn_off"
            };
            audit
                .staff(&admin, &ip, action, &email_of(&store, id).await, "")
                .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(false) => error(StatusCode::NOT_FOUND, "There is no such account."),
        Err(e) => {
            tracing::error!(error = %e, "cannot change a staff account");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The account could not be changed.",
            )
        }
    }
}

/// `POST /api/desk/users/{id}/role` (admin) {role}: the team keeps at least one administrator.
pub async fn set_role(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    body: Result<Json<SetRole>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return bad_body(
                &rejection,
                "Send {\"role\": \"agent\" or \"admin\"}.",
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match staff::set_role(&store, id, body.role).await {
        Ok(()) => {
            audit
                .staff(
                    &admin,
                    &ip,
                    "staff.role",
                    &email_of(&store, id).await,
                    body.role.as_str(),
                )
                .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /api/desk/users/{id}/password` (admin) {new_password}: their sessions end and any
/// lock is lifted.
pub async fn reset_password(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    body: Result<Json<ResetPassword>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(StatusCode::BAD_REQUEST, "Send {\"new_password\": \"...\"}.");
    };
    match staff::reset_password(&store, id, body.new_password).await {
        Ok(()) => {
            audit
                .staff(
                    &admin,
                    &ip,
                    "staff.password_reset",
                    &email_of(&store, id).await,
                    "",
                )
                .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The team's accounts.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(
            desk_api::USERS.template(),
            get(list_staff).post(create_staff),
        )
        .route(desk_api::USER_ACTIVE.template(), post(set_active))
        .route(desk_api::USER_ROLE.template(), post(set_role))
        .route(desk_api::USER_PASSWORD.template(), post(reset_password))
}
