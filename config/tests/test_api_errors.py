"""Django's own validation errors, raised below a view (a model's clean, a validator), reach an API client as the
error body of any refused input, never as a server error."""

from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView


class ValidatesLikeAModel(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        raise ValidationError({"title": ["A title is required."]})


def test_it_answers_a_django_validation_error_with_the_invalid_body():
    response = ValidatesLikeAModel.as_view()(APIRequestFactory().post("/api/v1/anything/", {}, format="json"))

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["fields"] == {"title": ["A title is required."]}
    assert "A title is required." in response.data["message"]
