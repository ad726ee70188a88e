use crate::models::TableData;
use domain::view::ViewQuery;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// One page of a Data Views table, with its charts.
#[server(endpoint = "data/table", input = Json)]
pub async fn load_table(view: ViewQuery) -> Result<TableData, ServerFnError> {
    use crate::error::AppError;
    use crate::models::TableRows;
    use domain::view::Tab;

    let result: Result<TableData, AppError> = async {
        let state = crate::state::app_state()?;
        let store = &state.store;
        // The view arrives as JSON, not through the URL parser: validate it the same way.
        let view = ViewQuery::from_pairs(
            url_pairs(&view)
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let rows = match view.tab {
            Tab::Products => TableRows::Products(store.products_page(&view).await?),
            Tab::Orders => TableRows::Orders(store.orders_page(&view).await?),
            Tab::ShippingRates => TableRows::ShippingRates(store.shipping_rates_page(&view).await?),
            Tab::Tickets => TableRows::Tickets(store.tickets_page(&view).await?),
            Tab::Returns => TableRows::Returns(store.returns_page(&view).await?),
            Tab::KnowledgeBase => knowledge_rows(&view, store.uploaded_chunks().await?),
        };
        let charts = store.charts(view.tab).await?;
        Ok(TableData {
            rows,
            charts,
            database: store.backend().label().to_owned(),
        })
    }
    .await;
    Ok(result?)
}

/// The pairs a URL for this view would carry.
#[cfg(feature = "ssr")]
fn url_pairs(view: &ViewQuery) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("tab".to_owned(), view.tab.slug().to_owned()),
        ("q".to_owned(), view.search.clone()),
        ("sort".to_owned(), view.sort.clone()),
        ("dir".to_owned(), view.dir.as_str().to_owned()),
        ("page".to_owned(), view.page.to_string()),
        ("size".to_owned(), view.page_size.to_string()),
    ];
    pairs.extend(view.filters.iter().cloned());
    pairs
}

/// The view's page of the shipped chunks and those of uploaded documents whose id, title, tags
/// or content contain every search word. Paged like the store's tables: with every chunk's full
/// text on one page (120 and more), the page was the heaviest in the app to draw.
#[cfg(feature = "ssr")]
fn knowledge_rows(
    view: &ViewQuery,
    uploaded: Vec<store::operations::DocumentChunk>,
) -> crate::models::TableRows {
    let mut all = kb::catalogue().to_vec();
    all.extend(uploaded.into_iter().map(|c| {
        kb::Chunk::from_stored(
            c.id, c.audience, c.doc_type, c.category, c.title, &c.tags, c.content,
        )
    }));
    let words: Vec<String> = view
        .search
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let matching: Vec<&kb::Chunk> = all
        .iter()
        .filter(|c| {
            let text = format!(
                "{} {} {} {} {}",
                c.id,
                c.title,
                c.tags.join(" "),
                c.doc_type,
                c.content
            )
            .to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect();
    let page_size = view.page_size.max(1);
    let page_count = matching.len().div_ceil(page_size as usize).max(1);
    let page = view
        .page
        .clamp(1, u32::try_from(page_count).unwrap_or(u32::MAX));
    let rows = matching
        .iter()
        .skip((page as usize - 1) * page_size as usize)
        .take(page_size as usize)
        .map(|c| domain::records::KnowledgeChunkRecord {
            id: c.id.clone(),
            audience: c.audience.clone(),
            doc_type: c.doc_type.clone(),
            category: c.category.clone(),
            product: c.product.clone(),
            title: c.title.clone(),
            tags: c.tags.clone(),
            content: c.content.clone(),
        })
        .collect();
    crate::models::TableRows::KnowledgeBase {
        page: domain::view::Page {
            rows,
            total: matching.len() as u64,
            page,
            page_size,
        },
        catalogue: all.len(),
    }
}
