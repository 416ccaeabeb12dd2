"""Public service without a login: the progress query (进度查询) an applicant makes with
their case number and identity number."""
