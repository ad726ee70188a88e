//! `GET /data/export.csv?...`: the current Data Views view (search, filters, sort; every page)
//! as CSV.

use crate::state::ServerState;
use app::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::csv::to_csv;
use domain::view::{Tab, ViewQuery};

pub async fn export_csv(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let view = ViewQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let store = &state.store;
    let csv = match view.tab {
        Tab::Products => store.export_products(&view).await.map(|r| to_csv(&r)),
        Tab::Orders => store.export_orders(&view).await.map(|r| to_csv(&r)),
        Tab::ShippingRates => store.export_shipping_rates(&view).await.map(|r| to_csv(&r)),
        Tab::Tickets => store.export_tickets(&view).await.map(|r| to_csv(&r)),
        Tab::Returns => store.export_returns(&view).await.map(|r| to_csv(&r)),
        Tab::KnowledgeBase => {
            return (
                StatusCode::NOT_FOUND,
                "The knowledge base has nothing to export yet.",
            )
                .into_response();
        }
    };
    match csv {
        Ok(body) => {
            let disposition = format!("attachment; filename=\"{}.csv\"", view.tab.slug());
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => {
            let app_error = app::error::AppError::from(e);
            let code = StatusCode::from_u16(app_error.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (code, app_error.to_string()).into_response()
        }
    }
}

/// `/data/export.csv`.
pub fn router() -> Router<ServerState> {
    Router::new().route("/data/export.csv", get(export_csv))
}
