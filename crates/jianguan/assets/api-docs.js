// Starts the vendored Swagger UI on the generated OpenAPI document.
window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
