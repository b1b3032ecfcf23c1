from django.urls import path

from satuanak.access.decorators import public_view
from satuanak.web import (
    adminduk_views,
    applications_views,
    audit_views,
    children,
    gesit_views,
    imports_views,
    jempol_views,
    kla_views,
    linkage_views,
    prap_views,
    programme_views,
    referral_views,
    token_views,
    views,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", public_view(views.LoginView.as_view()), name="login"),
    path("keluar/", public_view(views.LogoutView.as_view()), name="logout"),
    path("peta/desa.geojson", views.desa_geojson, name="desa-geojson"),
    path("peta/data.json", views.map_data, name="map-data"),
    path("peta/fasilitas.geojson", views.facilities_geojson, name="facilities-geojson"),
    path("sehat/", views.health, name="health"),
    path("bahasa/", views.language_switch, name="language"),
    path("anak/", children.child_list, name="child-list"),
    path("anak/ekspor.csv", children.child_export, name="child-export"),
    path("anak/<int:child_id>/", children.child_detail, name="child-detail"),
    path("anak/<int:child_id>/nik/", children.child_nik_reveal_view, name="child-nik-reveal"),
    path("anak/<int:child_id>/intervensi/", children.intervention_new, name="intervention-new"),
    path("impor/", imports_views.import_upload, name="import-upload"),
    path("impor/<int:batch_id>/", imports_views.import_detail, name="import-detail"),
    path("impor/<int:batch_id>/ditolak.csv", imports_views.import_rejected_download, name="import-rejected"),
    path("tautan/", linkage_views.review_list, name="review-list"),
    path("tautan/<int:pair_id>/", linkage_views.review_detail, name="review-detail"),
    path("tautan/jalankan/", linkage_views.linkage_start, name="linkage-start"),
    path("audit/", audit_views.audit_log, name="audit-log"),
    path("audit/ekspor.csv", audit_views.audit_export, name="audit-export"),
    *programme_views.urlpatterns,
    *gesit_views.urlpatterns,
    *referral_views.urlpatterns,
    *prap_views.urlpatterns,
    *adminduk_views.urlpatterns,
    *jempol_views.urlpatterns,
    *applications_views.urlpatterns,
    *kla_views.urlpatterns,
    *token_views.urlpatterns,
]
