//! Where the vectors live: Qdrant Edge embedded in the process (the default, on disk under
//! ./data), or a Qdrant server / Qdrant Cloud through qdrant-client. Both get the same points,
//! payloads and filters, so search behaves the same on either.

use crate::KbError;
use qdrant_edge::external::serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const EDGE_VECTOR: &str = "text";
/// Payload fields searches filter on: indexed, so a filter does not scan every point.
pub const FILTER_FIELDS: &[&str] = &["audience", "doc_type", "category"];

/// A point to store: id, unit vector, and the chunk's fields as payload.
#[derive(Clone, Debug)]
pub struct IndexedPoint {
    pub id: u64,
    pub vector: Vec<f32>,
    pub payload: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub struct ScoredHit {
    pub id: u64,
    pub score: f32,
    pub payload: Map<String, Value>,
}

/// Exact matches on payload fields, all of which must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayloadFilter {
    pub must: Vec<(String, String)>,
}

#[derive(Clone)]
pub enum VectorIndex {
    Edge {
        shard: Arc<qdrant_edge::EdgeShard>,
        path: PathBuf,
    },
    Server {
        client: Arc<qdrant_client::Qdrant>,
        collection: String,
    },
}

fn edge_error(e: impl std::fmt::Display) -> KbError {
    KbError::Index(e.to_string())
}

fn server_error(e: impl std::fmt::Display) -> KbError {
    KbError::Index(format!("Qdrant server: {e}"))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KbError> + Send + 'static,
) -> Result<T, KbError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| KbError::Index(format!("index task failed: {e}")))?
}

impl VectorIndex {
    /// Opens (or creates) an embedded shard at `dir` for `dimension`-sized vectors.
    pub fn open_edge(dir: &Path, dimension: usize) -> Result<VectorIndex, KbError> {
        use qdrant_edge::{Distance, EdgeConfigBuilder, EdgeShard, EdgeVectorParamsBuilder};
        std::fs::create_dir_all(dir)
            .map_err(|e| KbError::Index(format!("cannot create {}: {e}", dir.display())))?;
        let config = EdgeConfigBuilder::new()
            .vector(
                EDGE_VECTOR,
                EdgeVectorParamsBuilder::new(dimension, Distance::Cosine).build(),
            )
            .build();
        let has_segments = dir
            .join("segments")
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        let shard = if has_segments {
            EdgeShard::load(dir, Some(config)).map_err(edge_error)?
        } else {
            let shard = EdgeShard::new(dir, config).map_err(edge_error)?;
            for field in FILTER_FIELDS {
                use qdrant_edge::{
                    CreateIndex, FieldIndexOperations, JsonPath, PayloadFieldSchema,
                    PayloadSchemaType, UpdateOperation,
                };
                let field_name: JsonPath = field
                    .parse()
                    .map_err(|_| KbError::Index(format!("bad payload field {field}")))?;
                shard
                    .update(UpdateOperation::FieldIndexOperation(
                        FieldIndexOperations::CreateIndex(CreateIndex {
                            field_name,
                            field_schema: Some(PayloadFieldSchema::FieldType(
                                PayloadSchemaType::Keyword,
                            )),
                        }),
                    ))
                    .map_err(edge_error)?;
            }
            shard
        };
        Ok(VectorIndex::Edge {
            shard: Arc::new(shard),
            path: dir.to_path_buf(),
        })
    }

    /// Connects to a Qdrant server and makes sure the collection exists.
    pub async fn connect_server(
        url: &str,
        api_key: Option<String>,
        collection: &str,
        dimension: usize,
    ) -> Result<VectorIndex, KbError> {
        use qdrant_client::qdrant::{CreateCollectionBuilder, Distance, VectorParamsBuilder};
        let client = qdrant_client::Qdrant::from_url(url)
            .api_key(api_key)
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(server_error)?;
        let exists = client
            .collection_exists(collection)
            .await
            .map_err(server_error)?;
        if !exists {
            client
                .create_collection(
                    CreateCollectionBuilder::new(collection).vectors_config(
                        VectorParamsBuilder::new(dimension as u64, Distance::Cosine),
                    ),
                )
                .await
                .map_err(server_error)?;
            for field in FILTER_FIELDS {
                use qdrant_client::qdrant::{CreateFieldIndexCollectionBuilder, FieldType};
                client
                    .create_field_index(CreateFieldIndexCollectionBuilder::new(
                        collection,
                        *field,
                        FieldType::Keyword,
                    ))
                    .await
                    .map_err(server_error)?;
            }
        }
        Ok(VectorIndex::Server {
            client: Arc::new(client),
            collection: collection.to_string(),
        })
    }

    pub fn label(&self) -> &'static str {
        match self {
            VectorIndex::Edge { .. } => "Qdrant Edge (embedded)",
            VectorIndex::Server { .. } => "Qdrant server",
        }
    }

    pub fn location(&self) -> String {
        match self {
            VectorIndex::Edge { path, .. } => path.display().to_string(),
            VectorIndex::Server { collection, .. } => collection.clone(),
        }
    }

    pub async fn upsert(&self, points: Vec<IndexedPoint>) -> Result<(), KbError> {
        if points.is_empty() {
            return Ok(());
        }
        match self {
            VectorIndex::Edge { shard, .. } => {
                let shard = shard.clone();
                blocking(move || {
                    use qdrant_edge::{
                        PointInsertOperations, PointOperations, PointStruct, UpdateOperation,
                        Vectors,
                    };
                    let points = points
                        .into_iter()
                        .map(|p| {
                            PointStruct::new(
                                p.id,
                                Vectors::new_named([(EDGE_VECTOR, p.vector)]),
                                Value::Object(p.payload),
                            )
                            .into()
                        })
                        .collect();
                    shard
                        .update(UpdateOperation::PointOperation(
                            PointOperations::UpsertPoints(PointInsertOperations::PointsList(
                                points,
                            )),
                        ))
                        .map_err(edge_error)?;
                    shard.flush();
                    Ok(())
                })
                .await
            }
            VectorIndex::Server { client, collection } => {
                use qdrant_client::Payload;
                use qdrant_client::qdrant::{PointStruct, UpsertPointsBuilder};
                let points: Vec<PointStruct> = points
                    .into_iter()
                    .map(|p| PointStruct::new(p.id, p.vector, Payload::from(p.payload)))
                    .collect();
                for batch in points.chunks(256) {
                    client
                        .upsert_points(
                            UpsertPointsBuilder::new(collection, batch.to_vec()).wait(true),
                        )
                        .await
                        .map_err(server_error)?;
                }
                Ok(())
            }
        }
    }

    pub async fn delete(&self, ids: Vec<u64>) -> Result<(), KbError> {
        if ids.is_empty() {
            return Ok(());
        }
        match self {
            VectorIndex::Edge { shard, .. } => {
                let shard = shard.clone();
                blocking(move || {
                    use qdrant_edge::{PointOperations, UpdateOperation};
                    shard
                        .update(UpdateOperation::PointOperation(
                            PointOperations::DeletePoints {
                                ids: ids.into_iter().map(Into::into).collect(),
                            },
                        ))
                        .map_err(edge_error)?;
                    shard.flush();
                    Ok(())
                })
                .await
            }
            VectorIndex::Server { client, collection } => {
                use qdrant_client::qdrant::{DeletePointsBuilder, PointsIdsList};
                client
                    .delete_points(
                        DeletePointsBuilder::new(collection)
                            .points(PointsIdsList {
                                ids: ids.into_iter().map(Into::into).collect(),
                            })
                            .wait(true),
                    )
                    .await
                    .map_err(server_error)?;
                Ok(())
            }
        }
    }

    /// The `limit` nearest points to `vector` among those matching `filter`.
    pub async fn search(
        &self,
        vector: Vec<f32>,
        filter: &PayloadFilter,
        limit: usize,
    ) -> Result<Vec<ScoredHit>, KbError> {
        let limit = limit.max(1);
        match self {
            VectorIndex::Edge { shard, .. } => {
                let shard = shard.clone();
                let filter = edge_filter(filter)?;
                blocking(move || {
                    use qdrant_edge::{
                        NamedQuery, QueryEnum, QueryRequest, ScoringQuery, VectorInternal,
                        WithPayloadInterface, WithVector,
                    };
                    let request = QueryRequest {
                        prefetches: Vec::new(),
                        query: Some(ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery::new(
                            VectorInternal::Dense(vector),
                            EDGE_VECTOR,
                        )))),
                        filter,
                        score_threshold: None,
                        limit,
                        offset: 0,
                        params: None,
                        with_vector: WithVector::Bool(false),
                        with_payload: WithPayloadInterface::Bool(true),
                    };
                    let points = shard.query(request).map_err(edge_error)?;
                    Ok(points
                        .into_iter()
                        .filter_map(|p| {
                            Some(ScoredHit {
                                id: edge_id(&p.id)?,
                                score: p.score,
                                payload: p.payload.map(|p| p.0).unwrap_or_default(),
                            })
                        })
                        .collect())
                })
                .await
            }
            VectorIndex::Server { client, collection } => {
                use qdrant_client::qdrant::{QueryPointsBuilder, point_id::PointIdOptions};
                let mut request = QueryPointsBuilder::new(collection)
                    .query(vector)
                    .limit(limit as u64)
                    .with_payload(true);
                if let Some(filter) = server_filter(filter) {
                    request = request.filter(filter);
                }
                let response = client.query(request).await.map_err(server_error)?;
                Ok(response
                    .result
                    .into_iter()
                    .filter_map(|p| {
                        let id = match p.id?.point_id_options? {
                            PointIdOptions::Num(n) => n,
                            PointIdOptions::Uuid(_) => return None,
                        };
                        Some(ScoredHit {
                            id,
                            score: p.score,
                            payload: p
                                .payload
                                .into_iter()
                                .map(|(k, v)| (k, v.into_json()))
                                .collect(),
                        })
                    })
                    .collect())
            }
        }
    }

    /// Every point's id and payload (for idempotent indexing and the Data Views tab).
    pub async fn all_payloads(&self) -> Result<Vec<(u64, Map<String, Value>)>, KbError> {
        match self {
            VectorIndex::Edge { shard, .. } => {
                let shard = shard.clone();
                blocking(move || {
                    use qdrant_edge::{ScrollRequest, WithPayloadInterface, WithVector};
                    let mut out = Vec::new();
                    let mut offset = None;
                    loop {
                        let (records, next) = shard
                            .scroll(ScrollRequest {
                                offset,
                                limit: Some(512),
                                filter: None,
                                with_payload: Some(WithPayloadInterface::Bool(true)),
                                with_vector: WithVector::Bool(false),
                                order_by: None,
                            })
                            .map_err(edge_error)?;
                        for r in records {
                            if let Some(id) = edge_id(&r.id) {
                                out.push((id, r.payload.map(|p| p.0).unwrap_or_default()));
                            }
                        }
                        match next {
                            Some(next) => offset = Some(next),
                            None => break,
                        }
                    }
                    Ok(out)
                })
                .await
            }
            VectorIndex::Server { client, collection } => {
                use qdrant_client::qdrant::{ScrollPointsBuilder, point_id::PointIdOptions};
                let mut out = Vec::new();
                let mut offset = None;
                loop {
                    let mut request = ScrollPointsBuilder::new(collection)
                        .limit(512)
                        .with_payload(true);
                    if let Some(offset) = offset.take() {
                        request = request.offset(offset);
                    }
                    let response = client.scroll(request).await.map_err(server_error)?;
                    for p in response.result {
                        let id = match p.id.and_then(|id| id.point_id_options) {
                            Some(PointIdOptions::Num(n)) => n,
                            _ => continue,
                        };
                        out.push((
                            id,
                            p.payload
                                .into_iter()
                                .map(|(k, v)| (k, v.into_json()))
                                .collect(),
                        ));
                    }
                    match response.next_page_offset {
                        Some(next) => offset = Some(next),
                        None => break,
                    }
                }
                Ok(out)
            }
        }
    }
}

fn edge_id(id: &qdrant_edge::PointId) -> Option<u64> {
    match id {
        qdrant_edge::PointId::NumId(n) => Some(*n),
        qdrant_edge::PointId::Uuid(_) => None,
    }
}

fn edge_filter(filter: &PayloadFilter) -> Result<Option<qdrant_edge::Filter>, KbError> {
    if filter.must.is_empty() {
        return Ok(None);
    }
    let must: Vec<Value> = filter
        .must
        .iter()
        .map(|(key, value)| {
            let mut condition = Map::new();
            condition.insert("key".into(), Value::String(key.clone()));
            let mut matches = Map::new();
            matches.insert("value".into(), Value::String(value.clone()));
            condition.insert("match".into(), Value::Object(matches));
            Value::Object(condition)
        })
        .collect();
    let mut root = Map::new();
    root.insert("must".into(), Value::Array(must));
    qdrant_edge::external::serde_json::from_value(Value::Object(root))
        .map(Some)
        .map_err(|e| KbError::Index(format!("filter: {e}")))
}

fn server_filter(filter: &PayloadFilter) -> Option<qdrant_client::qdrant::Filter> {
    use qdrant_client::qdrant::{Condition, Filter};
    if filter.must.is_empty() {
        return None;
    }
    Some(Filter::must(filter.must.iter().map(|(key, value)| {
        Condition::matches(key.clone(), value.clone())
    })))
}
